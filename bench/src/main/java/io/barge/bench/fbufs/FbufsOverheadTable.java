package io.barge.bench.fbufs;

import io.barge.fbufs.OverheadTable;

/**
 * Prints seed 004's overhead table, measured: cost counters per message for every fbufs combination.
 */
public final class FbufsOverheadTable
{
    private FbufsOverheadTable()
    {
    }

    /**
     * @param args optional message length in bytes (default 16384).
     */
    public static void main(final String[] args)
    {
        final int length = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        System.out.print(OverheadTable.render(length, 64));
    }
}
