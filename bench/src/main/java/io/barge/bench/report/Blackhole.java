package io.barge.bench.report;

/**
 * Keeps computed values alive so the JIT cannot remove the work that made them.
 */
final class Blackhole
{
    private static volatile long sink;

    private Blackhole()
    {
    }

    /**
     * @param value a result of measured work.
     */
    static void consume(final long value)
    {
        sink += value;
    }

    /**
     * @return the running sum (for tests).
     */
    static long sink()
    {
        return sink;
    }
}
