package io.barge.fbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 004's table of the sources of fbuf overhead, measured: for each combination of cached, volatile and
 * integrated, the cost counters per message in steady state over one domain crossing, beside the seed items the
 * combination still incurs.
 * <p>
 * How the seed's strike-outs map onto this implementation (where issue and seed differ, the issue stands):
 * <ul>
 *     <li>restricted dynamic read sharing (always on) strikes 3.1;</li>
 *     <li>caching strikes 1.1, 1.2, 1.3, 4.1, 4.2, 4.3 and 3.2 (a cached fbuf stays mapped along its path; the
 *     mapping is paid once, on its first trip, which the seed's "**" marks), and 2.1 when the kernel has nothing to
 *     do per fbuf (cached and volatile);</li>
 *     <li>volatile strikes 2.2 and 2.3 (the originator keeps its write right, so nothing is raised or flushed);
 *     without it a cached fbuf pays 2.2 twice, lowering the right on send and restoring it on reuse, as the issue
 *     requires eager protection raising;</li>
 *     <li>integrated buffer management strikes 2.1 and 3.3 (the receiver walks nodes already in the fbufs).</li>
 * </ul>
 */
public final class OverheadTable
{
    /** Counters the table reports, in column order. */
    public static final CounterType[] COLUMNS = {
        CounterType.VIRTUAL_RANGE_OPS, CounterType.FRAMES_ALLOCATED, CounterType.FRAMES_ZEROED,
        CounterType.PAGE_TABLE_UPDATES, CounterType.PROTECTION_CHANGES, CounterType.TLB_FLUSHES,
        CounterType.AGGREGATE_OPS, CounterType.FRAMES_FREED, CounterType.BYTES_COPIED };

    private OverheadTable()
    {
    }

    /**
     * @param mode a combination.
     * @return the seed items it incurs per message in steady state.
     */
    public static List<String> items(final FbufMode mode)
    {
        final List<String> items = new ArrayList<>();
        if (!mode.cached())
        {
            items.addAll(List.of("1.1", "1.2", "1.3"));
        }
        if (!mode.integrated() && (!mode.cached() || !mode.isVolatile()))
        {
            items.add("2.1");
        }
        if (!mode.isVolatile())
        {
            items.addAll(List.of("2.2", "2.3"));
        }
        if (!mode.cached())
        {
            items.add("3.2");
        }
        if (!mode.integrated())
        {
            items.add("3.3");
        }
        if (!mode.cached())
        {
            items.addAll(List.of("4.1", "4.2", "4.3"));
        }
        return items;
    }

    /**
     * The model: counters per message for one fbuf of {@code pages} pages crossing one hop.
     *
     * @param mode  a combination.
     * @param pages pages of the message's fbuf.
     * @return one value per {@link #COLUMNS} entry.
     */
    public static long[] expected(final FbufMode mode, final int pages)
    {
        final long p = pages;
        final boolean protect = !mode.isVolatile();
        final long aggregate = (mode.integrated() ? 0 : 1) +
            (!mode.integrated() && (!mode.cached() || !mode.isVolatile()) ? 1 : 0);
        if (mode.cached())
        {
            return new long[]{ 0, 0, 0, protect ? 2 * p : 0, protect ? 2 * p : 0, protect ? 1 : 0, aggregate, 0, 0 };
        }
        // map O (1.3) + map R (3.2) + unmap O and R (4.2), + lower O's right (2.2).
        final long pte = p + p + 2 * p + (protect ? p : 0);
        final long flushes = 2 + (protect ? 1 : 0);
        return new long[]{ 2, p, p, pte, protect ? p : 0, flushes, aggregate, p, 0 };
    }

    /**
     * Measures counters per message: one hop, {@code warmUp} messages to fill the caches, then {@code messages}
     * measured ones, each claimed, filled, committed, received, touched and released.
     *
     * @param mode          the combination.
     * @param messageLength bytes per message.
     * @param messages      measured messages.
     * @return per-message averages, one per {@link #COLUMNS} entry (exact when the counts divide evenly).
     */
    public static double[] measure(final FbufMode mode, final int messageLength, final int messages)
    {
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(4096);
            Kernel kernel = new Kernel(memory))
        {
            final Domain a = kernel.createDomain("originator");
            final Domain b = kernel.createDomain("receiver");
            final TransportOptions options = TransportOptions.parse(FbufTransportProvider.NAME,
                new FbufTransportProvider().options(), Map.of(
                    FbufTransportProvider.CACHED, Boolean.toString(mode.cached()),
                    FbufTransportProvider.VOLATILE, Boolean.toString(mode.isVolatile()),
                    FbufTransportProvider.INTEGRATED, Boolean.toString(mode.integrated())));
            try (FbufTransport transport = new FbufTransport(kernel, options, mode))
            {
                final FbufChannel channel = transport.open(a, b, new ChannelConfig(
                    Math.max(messageLength, 64), 8, ChannelConfig.Notification.UMP));
                final Claim claim = channel.sender().newClaim();
                final Message message = channel.receiver().newMessage();
                roundTrips(channel, claim, message, messageLength, 16);
                final long[] before = kernel.counters().totals(new long[CounterType.values().length]);
                roundTrips(channel, claim, message, messageLength, messages);
                final long[] after = kernel.counters().totals(new long[CounterType.values().length]);
                final double[] perMessage = new double[COLUMNS.length];
                for (int i = 0; i < COLUMNS.length; i++)
                {
                    perMessage[i] = (after[COLUMNS[i].ordinal()] - before[COLUMNS[i].ordinal()]) / (double)messages;
                }
                return perMessage;
            }
        }
    }

    private static void roundTrips(final FbufChannel channel, final Claim claim, final Message message,
        final int length, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (channel.sender().tryClaim(length, claim) != Status.OK)
            {
                throw new IllegalStateException("unexpected back pressure with one message in flight");
            }
            claim.setMemory(0, length, (byte)i);
            channel.sender().commit(claim);
            if (channel.receiver().poll(message) != Status.OK)
            {
                throw new IllegalStateException("message not delivered");
            }
            message.touch();
            channel.receiver().release(message);
        }
    }

    /**
     * @param messageLength bytes per message.
     * @param messages      measured messages per combination.
     * @return the table as text: one row per combination, counters per message, then the seed items incurred.
     */
    public static String render(final int messageLength, final int messages)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "fbufs overhead per message, %d-byte messages, one crossing%n",
            messageLength));
        out.append(String.format(Locale.ROOT, "%-28s", "combination"));
        final String[] heads = { "vrange", "falloc", "fzero", "pte", "prot", "tlb", "aggr", "ffree", "copied" };
        for (final String head : heads)
        {
            out.append(String.format(Locale.ROOT, "%8s", head));
        }
        out.append("   seed items incurred (of 1.1-4.3)").append(System.lineSeparator());
        for (final FbufMode mode : FbufMode.ALL)
        {
            final double[] measured = measure(mode, messageLength, messages);
            out.append(String.format(Locale.ROOT, "%-28s", mode.shortName()));
            for (final double value : measured)
            {
                out.append(String.format(Locale.ROOT, "%8.1f", value));
            }
            out.append("   ").append(String.join(" ", items(mode))).append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Prints the table.
     *
     * @param args optional message length in bytes (default 16384).
     */
    public static void main(final String[] args)
    {
        final int length = args.length > 0 ? Integer.parseInt(args[0]) : 16384;
        System.out.print(render(length, 64));
    }
}
