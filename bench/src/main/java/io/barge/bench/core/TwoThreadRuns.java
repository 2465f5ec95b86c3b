package io.barge.bench.core;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The two-thread loops every comparison uses, written once for any {@link SpscLink}: a throughput window (the
 * calling thread produces, the partner consumes), a ping-pong (the calling thread pings, the partner echoes) and a
 * one-way run (one message in flight, stamped by the calling thread, timed by the partner).
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

    /**
     * One-way latency with one message in flight: the calling thread stamps the time, sends one 56-byte message and
     * waits until the partner has taken it before the next; the partner reads the clock as soon as its poll returns
     * the message and records the difference (both threads read the same {@link System#nanoTime()} clock). The
     * "taken" signal goes back on a line of its own, outside the channel and outside the measured interval.
     *
     * @param link     the channel; the calling thread sends.
     * @param partner  the receiving thread.
     * @param messages how many.
     * @param into     records each one-way latency in nanoseconds (written by the partner, read after it is done).
     */
    static void oneWay(final SpscLink link, final Partner partner, final int messages, final Histogram into)
    {
        final Receiver receiver = new Receiver(link, messages, into);
        partner.start(receiver);
        final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
        while (!receiver.started)
        {
            spin.idle();
        }
        for (int i = 0; i < messages; i++)
        {
            // Plain store: the channel's release (publish) and acquire (poll) carry it to the receiver.
            receiver.sentAt = System.nanoTime();
            while (!link.offer(i))
            {
                spin.idle();
            }
            while (receiver.taken <= i)
            {
                spin.idle();
            }
        }
        partner.awaitDone();
        if (link.sequenceErrors() != 0)
        {
            throw new IllegalStateException(link.name() + " one-way run lost or reordered messages: " +
                link.sequenceErrors());
        }
    }

    /** Padding before the sender's stamp, so that it does not share a line with the receiver's signal. */
    private abstract static class ReceiverLhsPad
    {
        long p000, p001, p002, p003, p004, p005, p006, p007;
        long p010, p011, p012, p013, p014, p015, p016, p017;
    }

    /** Written by the sender before each message. */
    private abstract static class ReceiverStamp extends ReceiverLhsPad
    {
        long sentAt;
    }

    /** Padding between the stamp and the receiver's signal. */
    private abstract static class ReceiverMidPad extends ReceiverStamp
    {
        long p100, p101, p102, p103, p104, p105, p106, p107;
        long p110, p111, p112, p113, p114, p115, p116, p117;
    }

    /** Written by the receiver after each message. */
    private abstract static class ReceiverSignal extends ReceiverMidPad
    {
        volatile long taken;
    }

    /** Partner side of a one-way run. */
    private static final class Receiver extends ReceiverSignal implements Runnable
    {
        long p200, p201, p202, p203, p204, p205, p206, p207;
        long p210, p211, p212, p213, p214, p215, p216, p217;
        private final SpscLink link;
        private final int messages;
        private final Histogram into;
        volatile boolean started;

        Receiver(final SpscLink link, final int messages, final Histogram into)
        {
            this.link = link;
            this.messages = messages;
            this.into = into;
            link.expect(0);
        }

        @Override
        public void run()
        {
            final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
            final long highest = into.getHighestTrackableValue();
            started = true;
            for (int i = 0; i < messages; i++)
            {
                while (link.drain(1) == 0)
                {
                    spin.idle();
                }
                final long now = System.nanoTime();
                into.recordValue(Math.min(Math.max(0, now - sentAt), highest));
                // Volatile: the sender's next stamp is written after it sees this, so never read early above.
                taken = i + 1;
            }
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
