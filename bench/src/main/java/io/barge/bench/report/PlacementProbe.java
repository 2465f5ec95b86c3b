package io.barge.bench.report;

import io.barge.bench.core.Placement;
import org.agrona.BufferUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Finds out whether the two threads of a two-thread measurement sit on near or far vCPUs: a short ping-pong of
 * one word between this thread and a responder {@link Agent}, whose round-trip median flips between about 190 ns
 * (near) and 620 ns (far) on the 2-vCPU machines Barge is developed on.
 */
final class PlacementProbe
{
    /** Placement of single-thread measurements. */
    static final String SINGLE_THREAD = "single-thread";
    /** Both probes fast. */
    static final String NEAR = "near";
    /** Both probes slow. */
    static final String FAR = "far";
    /** The probes disagree: the placement flipped during the measurement. */
    static final String MIXED = "mixed";

    private static final int PING_OFFSET = 0;
    /** Two cache lines apart, against the adjacent-line prefetcher. */
    private static final int PONG_OFFSET = 128;

    private final UnsafeBuffer words = new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 128));
    private final long[] samples;
    private final Spinning spinning = new Spinning();
    private long sequence;

    /**
     * @param roundTrips measured round trips per probe (half as many again warm up).
     */
    PlacementProbe(final int roundTrips)
    {
        if (roundTrips < 1)
        {
            throw new IllegalArgumentException("roundTrips=" + roundTrips + " must be >= 1");
        }
        this.samples = new long[roundTrips];
    }

    /**
     * @param before    probe p50 before the measurement.
     * @param after     probe p50 after it.
     * @param threshold p50 below which a placement counts as near.
     * @return {@link #NEAR}, {@link #FAR} or {@link #MIXED}.
     */
    static String classify(final double before, final double after, final long threshold)
    {
        return Placement.of(before, after, threshold).label();
    }

    /**
     * Runs the ping-pong with a freshly started responder thread.
     *
     * @return the round-trip median in nanoseconds.
     */
    double p50Nanos()
    {
        try (AgentRunner runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null,
            new Responder(words)))
        {
            AgentRunner.startOnThread(runner);
            for (int i = 0; i < samples.length / 2; i++)
            {
                roundTrip();
            }
            for (int i = 0; i < samples.length; i++)
            {
                samples[i] = roundTrip();
            }
        }
        Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    private long roundTrip()
    {
        final long seq = ++sequence;
        final long start = System.nanoTime();
        // Release: the responder's volatile read of the ping sees this sequence.
        words.putLongRelease(PING_OFFSET, seq);
        spinning.reset();
        while (words.getLongVolatile(PONG_OFFSET) != seq)
        {
            spinning.spin("placement probe: no pong for ping " + seq);
        }
        return System.nanoTime() - start;
    }

    /** Echoes every new ping into the pong word. */
    private static final class Responder implements Agent
    {
        private final UnsafeBuffer words;
        private long last;

        Responder(final UnsafeBuffer words)
        {
            this.words = words;
            this.last = words.getLongVolatile(PING_OFFSET);
        }

        @Override
        public int doWork()
        {
            final long ping = words.getLongVolatile(PING_OFFSET);
            if (ping == last)
            {
                return 0;
            }
            last = ping;
            words.putLongRelease(PONG_OFFSET, ping);
            return 1;
        }

        @Override
        public String roleName()
        {
            return "placement-probe-responder";
        }
    }
}
