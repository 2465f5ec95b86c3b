package io.barge.bench.core;

import org.HdrHistogram.Histogram;

/**
 * The placement probe of the alternating-window comparisons ({@code ump-vs-agrona}, {@code ping-pong}), the
 * cross-process windows and {@code barge pipeline}: a short ping-pong over a pair of Agrona rings between the calling
 * thread and a {@link Partner}, whose round-trip median tells whether the two vCPUs are near (about 190 ns on the
 * 2-vCPU machines Barge is developed on) or far (about 620 ns) at the moment ({@link Placement}). Run it while nothing
 * else of the measurement spins, or it measures the competition for the CPUs instead.
 */
public final class PingPongProbe implements AutoCloseable
{
    /** Round trips per probe of the comparisons' defaults. */
    public static final int DEFAULT_ROUND_TRIPS = 2000;
    /** Probe p50 under which the comparisons count a placement as near, by default. */
    public static final long DEFAULT_THRESHOLD_NANOS = 400;

    private static final int WARMUP_PROBES = 10;
    private static final int WARMUP_ROUND_TRIPS = 5_000;
    private final Partner partner;
    private final int roundTrips;
    private final SpscLink ping = new AgronaLink(1024);
    private final SpscLink pong = new AgronaLink(1024);
    private final Histogram histogram = new Histogram(60_000_000_000L, 3);
    private boolean warm;

    /**
     * @param partner    the second thread (not running a task while the probe runs).
     * @param roundTrips round trips per probe.
     */
    PingPongProbe(final Partner partner, final int roundTrips)
    {
        if (roundTrips < 1)
        {
            throw new IllegalArgumentException("roundTrips=" + roundTrips + " must be >= 1");
        }
        this.partner = partner;
        this.roundTrips = roundTrips;
    }

    /**
     * @return the round-trip median of one probe, in nanoseconds.
     */
    long p50Nanos()
    {
        if (!warm)
        {
            // Until the ping-pong is compiled its median says nothing of the placement: warm it up first.
            for (int i = 0; i < WARMUP_PROBES; i++)
            {
                histogram.reset();
                TwoThreadRuns.pingPong(ping, pong, partner, WARMUP_ROUND_TRIPS, histogram);
            }
            warm = true;
        }
        histogram.reset();
        TwoThreadRuns.pingPong(ping, pong, partner, roundTrips, histogram);
        return histogram.getValueAtPercentile(50);
    }

    /**
     * One probe on a partner thread started for it and ended after it, for a single measurement (a command that
     * brackets one run).
     *
     * @param roundTrips round trips.
     * @return the round-trip median in nanoseconds.
     */
    public static long p50NanosOnce(final int roundTrips)
    {
        try (Partner partner = new Partner(); PingPongProbe probe = new PingPongProbe(partner, roundTrips))
        {
            return probe.p50Nanos();
        }
    }

    @Override
    public void close()
    {
        ping.close();
        pong.close();
    }
}
