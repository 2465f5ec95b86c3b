package io.barge.bench.core;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The two-thread loops every comparison uses, written once for any {@link SpscLink}: a throughput window (the
 * calling thread produces, the partner consumes) and a ping-pong (the calling thread pings, the partner echoes).
 */
public final class TwoThreadRuns
{
    /** Most messages in flight on a two-thread channel of the report and of the two-thread benchmarks. */
    public static final int MAX_IN_FLIGHT = 64;
    /** In-flight bytes per two-thread channel not to exceed (unless two messages already do). */
    public static final int IN_FLIGHT_BYTES = 1 << 20;
    private static final int BURST = 256;

    private TwoThreadRuns()
    {
    }

    /**
     * @param messageBytes largest message.
     * @param maxCapacity  most messages in flight wanted.
     * @param budgetBytes  in-flight bytes not to exceed (unless 2 messages already do).
     * @return as many messages in flight as both limits allow, a power of two, at least 2.
     */
    public static int capacity(final int messageBytes, final int maxCapacity, final int budgetBytes)
    {
        final int byMemory = Integer.highestOneBit(Math.max(1, budgetBytes / messageBytes));
        return Math.max(2, Math.min(maxCapacity, byMemory));
    }

    /**
     * @param messageBytes largest message.
     * @return the report's two-thread capacity at that size: {@link #MAX_IN_FLIGHT} messages or
     *         {@link #IN_FLIGHT_BYTES}, whichever is fewer, at least 2.
     */
    public static int capacity(final int messageBytes)
    {
        return capacity(messageBytes, MAX_IN_FLIGHT, IN_FLIGHT_BYTES);
    }

    /**
     * Streams messages for a time and counts what the consumer received.
     *
     * @param link        the channel; the calling thread produces.
     * @param partner     the consuming thread.
     * @param windowNanos how long the producer sends.
     * @return messages per second, from the start to the consumer's last message.
     */
    static double throughput(final SpscLink link, final Partner partner, final long windowNanos)
    {
        final Drainer drainer = new Drainer(link);
        partner.start(drainer);
        final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
        while (!drainer.started)
        {
            spin.idle();
        }
        final long start = System.nanoTime();
        final long deadline = start + windowNanos;
        long sent = drainer.first;
        do
        {
            for (int i = 0; i < BURST; i++)
            {
                if (link.offer(sent))
                {
                    sent++;
                }
            }
        }
        while (System.nanoTime() < deadline);
        drainer.stop = true;
        partner.awaitDone();
        final long count = sent - drainer.first;
        if (drainer.received != count || link.sequenceErrors() != 0)
        {
            throw new IllegalStateException(link.name() + ": sent " + count + " received " + drainer.received +
                " sequence errors " + link.sequenceErrors());
        }
        return count * 1e9 / (drainer.endNs - start);
    }

    /**
     * Round trips of one 56-byte message: ping on {@code ping}, the partner echoes it on {@code pong}.
     *
     * @param ping       calling thread to partner.
     * @param pong       partner to calling thread.
     * @param partner    the echoing thread.
     * @param roundTrips how many.
     * @param into       records each round trip in nanoseconds.
     */
    static void pingPong(final SpscLink ping, final SpscLink pong, final Partner partner, final int roundTrips,
        final Histogram into)
    {
        final Echo echo = new Echo(ping, pong, roundTrips);
        partner.start(echo);
        final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
        while (!echo.started)
        {
            spin.idle();
        }
        final long highest = into.getHighestTrackableValue();
        for (int i = 0; i < roundTrips; i++)
        {
            final long start = System.nanoTime();
            while (!ping.offer(i))
            {
                spin.idle();
            }
            while (pong.drain(1) == 0)
            {
                spin.idle();
            }
            into.recordValue(Math.min(System.nanoTime() - start, highest));
        }
        partner.awaitDone();
        if (ping.sequenceErrors() != 0 || pong.sequenceErrors() != 0)
        {
            throw new IllegalStateException(ping.name() + " ping-pong lost or reordered messages: " +
                ping.sequenceErrors() + " on ping, " + pong.sequenceErrors() + " on pong");
        }
    }

    /** Consumer side of a throughput window. */
    private static final class Drainer implements Runnable
    {
        private final SpscLink link;
        final long first;
        volatile boolean started;
        volatile boolean stop;
        long received;
        long endNs;

        Drainer(final SpscLink link)
        {
            this.link = link;
            // Continue the link's sequence so that its checker stays valid across windows.
            this.first = link.lastWord() + 1;
            link.expect(first);
        }

        @Override
        public void run()
        {
            final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
            started = true;
            long count = 0;
            while (true)
            {
                final int n = link.drain(BURST);
                count += n;
                if (n == 0)
                {
                    if (stop)
                    {
                        // The producer stopped before it set the flag: what it sent is now visible; take the rest.
                        int rest;
                        while ((rest = link.drain(BURST)) > 0)
                        {
                            count += rest;
                        }
                        break;
                    }
                    spin.idle();
                }
            }
            endNs = System.nanoTime();
            received = count;
        }
    }

    /** Partner side of a ping-pong. */
    private static final class Echo implements Runnable
    {
        private final SpscLink ping;
        private final SpscLink pong;
        private final int roundTrips;
        volatile boolean started;

        Echo(final SpscLink ping, final SpscLink pong, final int roundTrips)
        {
            this.ping = ping;
            this.pong = pong;
            this.roundTrips = roundTrips;
            ping.expect(0);
            pong.expect(0);
        }

        @Override
        public void run()
        {
            final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
            started = true;
            for (int i = 0; i < roundTrips; i++)
            {
                while (ping.drain(1) == 0)
                {
                    spin.idle();
                }
                final long word = ping.lastWord();
                while (!pong.offer(word))
                {
                    spin.idle();
                }
            }
        }
    }
}
