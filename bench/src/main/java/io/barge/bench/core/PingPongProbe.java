package io.barge.bench.core;

import org.HdrHistogram.Histogram;

/**
 * The placement probe of the alternating-window comparisons: a short ping-pong over a pair of Agrona rings between
 * the calling thread and a {@link Partner}, whose round-trip median tells whether the two vCPUs are near (about
 * 190 ns on the 2-vCPU machines Barge is developed on) or far (about 620 ns) at the moment. Run it while nothing else
 * of the measurement spins, or it measures the competition for the CPUs instead.
 */
final class PingPongProbe implements AutoCloseable
{
    private final Partner partner;
    private final int roundTrips;
    private final SpscLink ping = new AgronaLink(1024);
    private final SpscLink pong = new AgronaLink(1024);
    private final Histogram histogram = new Histogram(60_000_000_000L, 3);

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
        histogram.reset();
        TwoThreadRuns.pingPong(ping, pong, partner, roundTrips, histogram);
        return histogram.getValueAtPercentile(50);
    }

    @Override
    public void close()
    {
        ping.close();
        pong.close();
    }
}
