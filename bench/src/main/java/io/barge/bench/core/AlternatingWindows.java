package io.barge.bench.core;

import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Compares two implementations on the same pair of threads in alternating short windows (A, B, A, B, ...), each
 * window bracketed by a short ping-pong probe. On these 2-vCPU machines the two threads land near or far from each
 * other for seconds to minutes at a time, and every two-thread figure flips with it; so each window is classified by
 * its probes (p50 round trip under the threshold: near), a window whose two probes disagree is dropped, and the
 * figures are reported per placement. A plain mean over a flip would be meaningless.
 * <p>
 * The machine is shared, so a window is also dropped when either thread was on a CPU for less than
 * {@link ComparisonSettings#minCpuShare()} of it (per-thread CPU time over wall time): then it measured the
 * scheduler, not the channel.
 */
final class AlternatingWindows
{
    /** One thing being compared, run for one window at a time on the calling thread and the partner. */
    interface Workload
    {
        /**
         * @return its name.
         */
        String name();

        /**
         * @param partner the second thread.
         * @param latency where a latency workload records; others leave it alone.
         * @return the window's figure (messages/s, or a p50 in ns).
         */
        double runWindow(Partner partner, Histogram latency);
    }

    /** Figures of one workload in one placement. */
    static final class Tally
    {
        int windows;
        double sum;
        final Histogram latency = new Histogram(60_000_000_000L, 3);

        double mean()
        {
            return windows == 0 ? Double.NaN : sum / windows;
        }
    }

    private final ComparisonSettings settings;
    private final Partner partner;
    private final PingPongProbe probe;
    private final Histogram windowHistogram = new Histogram(60_000_000_000L, 3);
    private int dropped;
    private int starvedWindows;

    AlternatingWindows(final ComparisonSettings settings, final Partner partner)
    {
        this.settings = settings;
        this.partner = partner;
        this.probe = new PingPongProbe(partner, settings.probeRoundTrips());
    }

    long probe()
    {
        return probe.p50Nanos();
    }

    /**
     * Runs the warm-up windows, then the measured ones, printing a line per window.
     *
     * @param a    first workload (the reference).
     * @param b    second workload.
     * @param out  where the lines go.
     * @param unit what a window's figure is, for the table heading.
     * @return per workload, per placement.
     */
    Map<Placement, Tally[]> run(final Workload a, final Workload b, final PrintWriter out, final String unit)
    {
        final Workload[] both = { a, b };
        for (int i = 0; i < settings.warmupWindows(); i++)
        {
            for (final Workload w : both)
            {
                windowHistogram.reset();
                w.runWindow(partner, windowHistogram);
            }
        }
        probe();
        final Map<Placement, Tally[]> tallies = new EnumMap<>(Placement.class);
        for (final Placement p : Placement.CLASSIFIED)
        {
            tallies.put(p, new Tally[]{ new Tally(), new Tally() });
        }
        out.printf("%-7s %-8s %10s %10s %6s %-9s %16s%n", "window", "impl", "probe-pre", "probe-post", "cpu", "placement",
            unit);
        for (int i = 0; i < settings.windows(); i++)
        {
            final int which = i & 1;
            final Workload w = both[which];
            final long before = probe();
            windowHistogram.reset();
            final long cpuStart = ThreadCpu.now();
            final long wallStart = System.nanoTime();
            final double figure = w.runWindow(partner, windowHistogram);
            final double cpuShare = Math.min(ThreadCpu.share(ThreadCpu.now() - cpuStart, System.nanoTime() - wallStart),
                partner.lastTaskCpuShare());
            final long after = probe();
            final Placement placed = Placement.of(before, after, settings.thresholdNanos());
            final boolean starved = cpuShare < settings.minCpuShare();
            final String placement = starved ? "starved" : placed == Placement.MIXED ? "dropped" : placed.label();
            out.printf(Locale.ROOT, "%-7d %-8s %10d %10d %5.0f%% %-9s %,16.0f%n", i, w.name(), before, after,
                cpuShare * 100, placement, figure);
            out.flush();
            if (starved)
            {
                starvedWindows++;
                continue;
            }
            if (placed == Placement.MIXED)
            {
                dropped++;
                continue;
            }
            final Tally tally = tallies.get(placed)[which];
            tally.windows++;
            tally.sum += figure;
            tally.latency.add(windowHistogram);
        }
        return tallies;
    }

    /**
     * @return windows whose probes disagreed.
     */
    int dropped()
    {
        return dropped;
    }

    /**
     * @return windows in which a thread was off the CPU too long.
     */
    int starved()
    {
        return starvedWindows;
    }

    void close()
    {
        probe.close();
    }
}
