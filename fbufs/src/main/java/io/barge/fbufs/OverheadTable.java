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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seed 004's table of the sources of fbuf overhead, measured. For each combination of cached, volatile and
 * integrated: the seed's own list of the items that remain (a fixed copy, {@link #seedItems}), what Barge's counters
 * show per message in each phase of a message's life ({@link #measure}), and, where Barge's design differs from the
 * seed, the item and why ({@link #differences}).
 * <p>
 * The measurement drives one crossing a message at a time and snapshots every counter of the originator and of the
 * receiver between the phases the seed names: allocate (tryClaim), send (commit), receive (poll) and free (release).
 * Each seed item is then read off the counters of its phase and domain ({@link Profile#item}), so a counter that
 * disagrees with what ran shows as a wrong item, not as a different total.
 */
public final class OverheadTable
{
    /** The seed's items, in its order. */
    public static final List<String> ITEMS = List.of("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3",
        "4.1", "4.2", "4.3");

    /** The seed's text of each item. */
    public static final Map<String, String> ITEM_TEXT = itemText();

    /** The four phases of a message, as the seed's four groups of items. */
    public enum Phase
    {
        /** 1: tryClaim. */
        ALLOCATE,
        /** 2: commit. */
        SEND,
        /** 3: poll. */
        RECEIVE,
        /** 4: release. */
        FREE
    }

    /**
     * A place where Barge's counters differ from the seed's list for one combination.
     *
     * @param item     the seed item.
     * @param incurred whether Barge incurs it (the seed struck it out) or not (the seed lists it).
     * @param why      the design reason, for the row.
     */
    public record Difference(String item, boolean incurred, String why)
    {
    }

    private static final int TYPES = CounterType.values().length;

    private OverheadTable()
    {
    }

    /**
     * The seed's list for a combination, copied from its slides (not derived from Barge's code): the slides after
     * optimisations 1 (restricted dynamic read sharing, always on), 2 (cache), 3 (integrated) and 4 (volatile)
     * draw plain, cached, cached+integrated and cached+volatile+integrated; the other four apply the eliminations the
     * seed states for each optimisation (cache: 1.1-1.3, 2.1, 2.2, 4.1-4.3; integrated: 2.1, 3.3; volatile: removing
     * the originator's page permissions, 2.2 and 2.3).
     *
     * @param mode a combination.
     * @return the seed items it still incurs.
     */
    public static List<String> seedItems(final FbufMode mode)
    {
        final String key = mode.shortName();
        switch (key)
        {
            case "plain":
                return List.of("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.2", "3.3", "4.1", "4.2", "4.3");
            case "integrated":
                return List.of("1.1", "1.2", "1.3", "2.2", "2.3", "3.2", "4.1", "4.2", "4.3");
            case "volatile":
                return List.of("1.1", "1.2", "1.3", "2.1", "3.2", "3.3", "4.1", "4.2", "4.3");
            case "volatile+integrated":
                return List.of("1.1", "1.2", "1.3", "3.2", "4.1", "4.2", "4.3");
            case "cached":
                return List.of("2.3", "3.2", "3.3");
            case "cached+integrated":
                return List.of("2.3", "3.2");
            case "cached+volatile":
                return List.of("3.2", "3.3");
            case "cached+volatile+integrated":
                return List.of("3.2");
            default:
                throw new IllegalArgumentException("no seed list for " + key);
        }
    }

    /**
     * @param mode a combination.
     * @return which of the seed's slides the list is, or that it applies the stated eliminations.
     */
    public static String seedSource(final FbufMode mode)
    {
        switch (mode.shortName())
        {
            case "plain":
                return "seed slide after optimisation 1 (restricted dynamic read sharing)";
            case "cached":
                return "seed slide after optimisation 2 (cache fbufs)";
            case "cached+integrated":
                return "seed slide after optimisation 3 (integrated buffer management)";
            case "cached+volatile+integrated":
                return "seed slide after optimisation 4 (volatile fbufs)";
            default:
                return "not drawn by the seed: its stated eliminations applied";
        }
    }

    /**
     * Where Barge's design departs from the seed, per combination (fixed data, so a changed model shows).
     *
     * @param mode a combination.
     * @return the differences, in item order.
     */
    public static List<Difference> differences(final FbufMode mode)
    {
        final List<Difference> out = new ArrayList<>();
        if (mode.cached() || mode.integrated())
        {
            out.add(new Difference("2.1", true, "the sender hands the kernel the list of fbuf handles in every " +
                "mode: it is also the in-flight record that lets a dead peer's references be returned"));
        }
        if (mode.cached() && !mode.isVolatile())
        {
            out.add(new Difference("2.2", true, "protection is raised eagerly on every send of a non-volatile " +
                "fbuf and the write right given back on reuse, so a cached fbuf pays it twice (the seed's cache " +
                "leaves a reused fbuf read-only)"));
        }
        if (mode.cached())
        {
            out.add(new Difference("3.2", false, "a cached fbuf stays mapped in every domain of its path after its " +
                "first trip, so the steady state updates no receiver page table (the seed's ** on 3.2)"));
        }
        if (mode.integrated())
        {
            out.add(new Difference("3.3", true, "a received message is a flat piece list, so the receiver walks the " +
                "DAG stored in the fbufs to build it (validating every node) instead of using the DAG in place"));
        }
        return out;
    }

    /**
     * @param mode a combination.
     * @return the items Barge should incur: the seed's list with the documented differences applied.
     */
    public static List<String> expectedItems(final FbufMode mode)
    {
        final List<String> items = new ArrayList<>(seedItems(mode));
        for (final Difference d : differences(mode))
        {
            if (d.incurred())
            {
                items.add(d.item());
            }
            else
            {
                items.remove(d.item());
            }
        }
        items.sort(null);
        return items;
    }

    /**
     * Counters per message in each phase, for the originator and the receiver.
     *
     * @param mode         the combination.
     * @param messageBytes bytes per message.
     * @param pages        pages of the message's fbuf.
     * @param originator   per phase, per {@link CounterType} ordinal.
     * @param receiver     per phase, per {@link CounterType} ordinal.
     */
    public record Profile(FbufMode mode, int messageBytes, int pages, double[][] originator, double[][] receiver)
    {
        /**
         * @param phase a phase.
         * @param type  a counter.
         * @return originator plus receiver, per message.
         */
        public double both(final Phase phase, final CounterType type)
        {
            return originator[phase.ordinal()][type.ordinal()] + receiver[phase.ordinal()][type.ordinal()];
        }

        /**
         * @param type a counter.
         * @return its total per message over every phase and both domains.
         */
        public double total(final CounterType type)
        {
            double sum = 0;
            for (final Phase phase : Phase.values())
            {
                sum += both(phase, type);
            }
            return sum;
        }

        /**
         * Reads one seed item off the counters of its phase and domain. Protection changes are 2.2 in whichever
         * phase they happen (lowering on send, giving the right back on reuse), and the page-table write each one
         * makes is part of it, not of 1.3 or 4.2; the receiver's mapping is 3.2 even though Barge's kernel makes it
         * during the send.
         *
         * @param item a seed item, e.g. "2.3".
         * @return the operations it took per message (page-table updates and flushes summed where it has both).
         */
        public double item(final String item)
        {
            final double[] o1 = originator[Phase.ALLOCATE.ordinal()];
            final double[] o2 = originator[Phase.SEND.ordinal()];
            switch (item)
            {
                case "1.1":
                    return o1[CounterType.VIRTUAL_RANGE_OPS.ordinal()];
                case "1.2":
                    return o1[CounterType.FRAMES_ALLOCATED.ordinal()];
                case "1.3":
                    return o1[CounterType.PAGE_TABLE_UPDATES.ordinal()] - o1[CounterType.PROTECTION_CHANGES.ordinal()];
                case "2.1":
                    return o2[CounterType.AGGREGATE_OPS.ordinal()];
                case "2.2":
                    return total(CounterType.PROTECTION_CHANGES);
                case "2.3":
                    return o2[CounterType.PAGE_TABLE_UPDATES.ordinal()] - o2[CounterType.PROTECTION_CHANGES.ordinal()] +
                        o2[CounterType.TLB_FLUSHES.ordinal()];
                case "3.1":
                    return receiver[Phase.SEND.ordinal()][CounterType.VIRTUAL_RANGE_OPS.ordinal()] +
                        receiver[Phase.RECEIVE.ordinal()][CounterType.VIRTUAL_RANGE_OPS.ordinal()];
                case "3.2":
                    return receiver[Phase.SEND.ordinal()][CounterType.PAGE_TABLE_UPDATES.ordinal()] +
                        receiver[Phase.RECEIVE.ordinal()][CounterType.PAGE_TABLE_UPDATES.ordinal()];
                case "3.3":
                    return receiver[Phase.RECEIVE.ordinal()][CounterType.AGGREGATE_OPS.ordinal()];
                case "4.1":
                    return both(Phase.FREE, CounterType.VIRTUAL_RANGE_OPS);
                case "4.2":
                    return both(Phase.FREE, CounterType.PAGE_TABLE_UPDATES) -
                        both(Phase.FREE, CounterType.PROTECTION_CHANGES) + both(Phase.FREE, CounterType.TLB_FLUSHES);
                case "4.3":
                    return both(Phase.FREE, CounterType.FRAMES_FREED);
                default:
                    throw new IllegalArgumentException("no seed item " + item);
            }
        }

        /**
         * @return the items with a non-zero count, in the seed's order.
         */
        public List<String> incurred()
        {
            final List<String> items = new ArrayList<>();
            for (final String item : ITEMS)
            {
                if (Math.abs(item(item)) > 1e-9)
                {
                    items.add(item);
                }
            }
            return items;
        }
    }

    /**
     * Measures one combination: one hop, 16 messages to fill the caches, then {@code messages} measured ones, each
     * claimed, filled, committed, received, touched and released, with the counters read between the phases.
     *
     * @param mode          the combination.
     * @param messageLength bytes per message.
     * @param messages      measured messages.
     * @return counters per message by phase and domain.
     */
    public static Profile measure(final FbufMode mode, final int messageLength, final int messages)
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
                final double[][] origin = new double[Phase.values().length][TYPES];
                final double[][] receive = new double[Phase.values().length][TYPES];
                final Phased phased = new Phased(a, b, origin, receive);
                for (int i = 0; i < 16; i++)
                {
                    roundTrip(channel, claim, message, messageLength, i, null);
                }
                for (int i = 0; i < messages; i++)
                {
                    roundTrip(channel, claim, message, messageLength, i, phased);
                }
                for (final double[][] side : new double[][][]{ origin, receive })
                {
                    for (final double[] phase : side)
                    {
                        for (int t = 0; t < TYPES; t++)
                        {
                            phase[t] /= messages;
                        }
                    }
                }
                final int bytes = mode.integrated() ? AggregateDescriptor.withNodes(messageLength, 1) : messageLength;
                return new Profile(mode, messageLength, (bytes + 4095) / 4096, origin, receive);
            }
        }
    }

    /** Accumulates counter deltas per phase for the two domains. */
    private static final class Phased
    {
        private final Domain originator;
        private final Domain receiver;
        private final double[][] originatorSums;
        private final double[][] receiverSums;
        private final long[] lastOriginator = new long[TYPES];
        private final long[] lastReceiver = new long[TYPES];

        Phased(final Domain originator, final Domain receiver, final double[][] originatorSums,
            final double[][] receiverSums)
        {
            this.originator = originator;
            this.receiver = receiver;
            this.originatorSums = originatorSums;
            this.receiverSums = receiverSums;
        }

        void start()
        {
            read(originator, lastOriginator, null);
            read(receiver, lastReceiver, null);
        }

        void end(final Phase phase)
        {
            read(originator, lastOriginator, originatorSums[phase.ordinal()]);
            read(receiver, lastReceiver, receiverSums[phase.ordinal()]);
        }

        private static void read(final Domain domain, final long[] last, final double[] sums)
        {
            for (final CounterType type : CounterType.values())
            {
                final long now = domain.counter(type);
                if (sums != null)
                {
                    sums[type.ordinal()] += now - last[type.ordinal()];
                }
                last[type.ordinal()] = now;
            }
        }
    }

    private static void roundTrip(final FbufChannel channel, final Claim claim, final Message message,
        final int length, final int i, final Phased phased)
    {
        if (phased != null)
        {
            phased.start();
        }
        if (channel.sender().tryClaim(length, claim) != Status.OK)
        {
            throw new IllegalStateException("unexpected back pressure with one message in flight");
        }
        end(phased, Phase.ALLOCATE, channel);
        claim.setMemory(0, length, (byte)i);
        channel.sender().commit(claim);
        end(phased, Phase.SEND, channel);
        if (channel.receiver().poll(message) != Status.OK)
        {
            throw new IllegalStateException("message not delivered");
        }
        end(phased, Phase.RECEIVE, channel);
        message.touch();
        channel.receiver().release(message);
        end(phased, Phase.FREE, channel);
    }

    private static void end(final Phased phased, final Phase phase, final FbufChannel channel)
    {
        // The ends count aggregate lists in batches: publish them so that each phase reads its own.
        channel.sender().publishCounts();
        channel.receiver().publishCounts();
        if (phased != null)
        {
            phased.end(phase);
        }
    }

    /**
     * @param messageLength bytes per message.
     * @param messages      measured messages per combination.
     * @return the table as text: per combination, each seed item's count per message, the seed's list and the
     *     differences.
     */
    public static String render(final int messageLength, final int messages)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "fbufs overhead per message, %d-byte messages, one crossing%n",
            messageLength));
        out.append(String.format(Locale.ROOT, "%-28s", "combination"));
        for (final String item : ITEMS)
        {
            out.append(String.format(Locale.ROOT, "%6s", item));
        }
        out.append("   seed's list").append(System.lineSeparator());
        for (final FbufMode mode : FbufMode.ALL)
        {
            final Profile profile = measure(mode, messageLength, messages);
            out.append(String.format(Locale.ROOT, "%-28s", mode.shortName()));
            for (final String item : ITEMS)
            {
                out.append(String.format(Locale.ROOT, "%6.1f", profile.item(item)));
            }
            out.append("   ").append(String.join(" ", seedItems(mode))).append(System.lineSeparator());
            for (final Difference d : differences(mode))
            {
                out.append(String.format(Locale.ROOT, "%28s%s %s: %s%n", "", d.item(),
                    d.incurred() ? "incurred" : "not incurred", d.why()));
            }
        }
        return out.toString();
    }

    private static Map<String, String> itemText()
    {
        final Map<String, String> text = new LinkedHashMap<>();
        text.put("1.1", "Allocate virtual address range in the sender");
        text.put("1.2", "Allocate physical pages and zero contents");
        text.put("1.3", "Update physical page tables");
        text.put("2.1", "Generate list of fbufs concerned");
        text.put("2.2", "Raise protection in originator (read-only or no access)");
        text.put("2.3", "Update physical page tables, flush TLB/cache if necessary");
        text.put("3.1", "Allocate virtual address range in the receiver");
        text.put("3.2", "Update physical page tables");
        text.put("3.3", "Construct an aggregate object");
        text.put("4.1", "Deallocate virtual address range");
        text.put("4.2", "Update physical page tables, flush TLB/cache if necessary");
        text.put("4.3", "Free physical memory pages if no more references");
        return java.util.Collections.unmodifiableMap(text);
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
