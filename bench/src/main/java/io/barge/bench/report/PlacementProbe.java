package io.barge.bench.report;

import io.barge.bench.core.Placement;
import org.agrona.BufferUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.function.Predicate;
import java.util.function.Supplier;

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
    /** Extra attempts for a window whose placement flipped, or whose threads were starved, during it. */
    static final int MIXED_RETRIES = 2;

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
     * A window's result, the placement it ran in and the probe medians on either side of it.
     *
     * @param result    what the window measured.
     * @param placement {@link #NEAR}, {@link #FAR} or, if it never settled, {@link #MIXED}.
     * @param before    probe p50 before it, in nanoseconds.
     * @param after     probe p50 after it.
     * @param <T>       the window's result.
     */
    record Settled<T>(T result, String placement, double before, double after)
    {
    }

    /**
     * Runs a measurement window between two probes; a mixed one (the probes disagree, or {@code starved} says its
     * threads were off a CPU too long) runs again, up to {@link #MIXED_RETRIES} more times, and stays mixed if it
     * never settles. Only the last attempt's result is kept: the caller records nothing until this returns.
     *
     * @param window    the measurement; run once per attempt.
     * @param threshold probe p50 below which a placement counts as near.
     * @param starved   whether an attempt's result says its threads were starved (then it counts as mixed).
     * @param <T>       the window's result.
     * @return the last attempt.
     */
    <T> Settled<T> settle(final Supplier<T> window, final long threshold, final Predicate<T> starved)
    {
        for (int attempt = 0; ; attempt++)
        {
            final double before = p50Nanos();
            final T result = window.get();
            final double after = p50Nanos();
            final String placement = starved.test(result) ? MIXED : classify(before, after, threshold);
            if (!MIXED.equals(placement) || attempt >= MIXED_RETRIES)
            {
                return new Settled<>(result, placement, before, after);
            }
        }
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
