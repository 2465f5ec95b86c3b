package io.barge.bench.core;

import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * UMP against Agrona's {@code OneToOneRingBuffer} on the same two threads, in alternating windows classified by
 * vCPU placement ({@link AlternatingWindows}): 56-byte message throughput, and 56-byte ping-pong round trips.
 * <p>
 * Run with {@code ./barge ump-vs-agrona} and {@code ./barge ping-pong}, or as a main class:
 * {@code java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -Dagrona.disable.bounds.checks=true
 * -cp bench/target/barge.jar io.barge.bench.core.UmpVsAgrona [throughput|ping-pong]}.
 */
public final class UmpVsAgrona
{
    private UmpVsAgrona()
    {
    }

    /**
     * @param args {@code throughput} (default) or {@code ping-pong}.
     */
    public static void main(final String[] args)
    {
        final PrintWriter out = new PrintWriter(System.out, true);
        if (args.length > 0 && "ping-pong".equals(args[0]))
        {
            pingPong(ComparisonSettings.defaults(), out);
        }
        else
        {
            throughput(ComparisonSettings.defaults(), out);
        }
    }

    /**
     * Messages per second, Agrona then UMP alternately, per placement, and the ratio UMP/Agrona per placement.
     *
     * @param settings windows and probes.
     * @param out      where the table goes.
     * @return the ratio UMP/Agrona per placement that had windows of both ({@code NaN} otherwise), near then far.
     */
    public static double[] throughput(final ComparisonSettings settings, final PrintWriter out)
    {
        return throughput(settings, out, false);
    }

    /**
     * Messages per second of UMP against a reference in alternating windows, per placement.
     *
     * @param settings windows and probes.
     * @param out      where the table goes.
     * @param floor    whether the reference is {@link SlotRingFloor} (UMP's protocol with nothing else) instead of
     *                 Agrona's ring.
     * @return the ratio UMP/reference per placement that had windows of both ({@code NaN} otherwise), near then far.
     */
    public static double[] throughput(final ComparisonSettings settings, final PrintWriter out, final boolean floor)
    {
        final long windowNanos = TimeUnit.MILLISECONDS.toNanos(settings.windowMillis());
        try (Machine machine = new Machine(1024);
            SpscLink reference = floor ? new SlotRingFloor(settings.ringMessages()) :
                new AgronaLink(settings.ringMessages());
            SpscLink ump = Links.ump(machine, settings.ringMessages());
            Partner partner = new Partner())
        {
            out.printf("UMP vs %s: 56-byte messages, two threads, %d windows of %d ms, rings of %d messages; " +
                "probe %d round trips, near if p50 < %d ns%n", floor ? "the floor of its protocol (SlotRingFloor)" :
                "Agrona OneToOneRingBuffer", settings.windows(), settings.windowMillis(), settings.ringMessages(),
                settings.probeRoundTrips(), settings.thresholdNanos());
            final AlternatingWindows windows = new AlternatingWindows(settings, partner);
            try
            {
                final Map<Placement, AlternatingWindows.Tally[]> tallies = windows.run(
                    throughputWorkload(reference, windowNanos), throughputWorkload(ump, windowNanos), out, "msgs/s");
                return summary(tallies, windows, out, "msgs/s", false, reference.name(), ump.name());
            }
            finally
            {
                windows.close();
            }
        }
    }

    /**
     * Round trips of a 56-byte message, Agrona ring pair then UMP channel pair alternately, per placement.
     *
     * @param settings windows and probes.
     * @param out      where the table goes.
     * @return the ratio of p50s UMP/Agrona per placement, near then far.
     */
    public static double[] pingPong(final ComparisonSettings settings, final PrintWriter out)
    {
        try (Machine machine = new Machine(1024);
            SpscLink agronaPing = new AgronaLink(settings.ringMessages());
            SpscLink agronaPong = new AgronaLink(settings.ringMessages());
            SpscLink umpPing = Links.ump(machine, settings.ringMessages());
            SpscLink umpPong = Links.umpReverse(machine, settings.ringMessages());
            Partner partner = new Partner())
        {
            out.printf("UMP vs Agrona ping-pong: 56-byte messages, %d windows of %d round trips; probe %d round " +
                "trips, near if p50 < %d ns; figures are window p50 round trips in ns%n", settings.windows(),
                settings.roundTrips(), settings.probeRoundTrips(), settings.thresholdNanos());
            final AlternatingWindows windows = new AlternatingWindows(settings, partner);
            try
            {
                final Map<Placement, AlternatingWindows.Tally[]> tallies = windows.run(
                    pingPongWorkload("agrona", agronaPing, agronaPong, settings.roundTrips()),
                    pingPongWorkload("ump", umpPing, umpPong, settings.roundTrips()), out, "p50 ns");
                return summary(tallies, windows, out, "p50 ns", true);
            }
            finally
            {
                windows.close();
            }
        }
    }

    /**
     * UMP's one-way latency with one message in flight against its own round trip, alternately, per placement: the
     * goal is a one-way p50 at most twice the half round trip, that is a ratio one-way/round trip of at most 1.0.
     *
     * @param settings windows and probes ({@link ComparisonSettings#roundTrips()} messages per window).
     * @param out      where the table goes.
     * @return the ratio of p50s one-way/round trip per placement, near then far.
     */
    public static double[] oneWay(final ComparisonSettings settings, final PrintWriter out)
    {
        try (Machine machine = new Machine(1024);
            SpscLink umpPing = Links.ump(machine, settings.ringMessages());
            SpscLink umpPong = Links.umpReverse(machine, settings.ringMessages());
            SpscLink umpOneWay = Links.ump(machine, settings.ringMessages());
            Partner partner = new Partner())
        {
            out.printf("UMP one-way (one message in flight) vs UMP round trip: 56-byte messages, %d windows of %d " +
                "messages; probe %d round trips, near if p50 < %d ns; figures are window p50s in ns%n",
                settings.windows(), settings.roundTrips(), settings.probeRoundTrips(), settings.thresholdNanos());
            final AlternatingWindows windows = new AlternatingWindows(settings, partner);
            try
            {
                final Map<Placement, AlternatingWindows.Tally[]> tallies = windows.run(
                    pingPongWorkload("ump-rtt", umpPing, umpPong, settings.roundTrips()),
                    oneWayWorkload("ump-1way", umpOneWay, settings.roundTrips()), out, "p50 ns");
                return summary(tallies, windows, out, "p50 ns", true, "ump-rtt", "ump-1way");
            }
            finally
            {
                windows.close();
            }
        }
    }

    private static AlternatingWindows.Workload throughputWorkload(final SpscLink link, final long windowNanos)
    {
        return new AlternatingWindows.Workload()
        {
            @Override
            public String name()
            {
                return link.name();
            }

            @Override
            public double runWindow(final Partner partner, final Histogram latency)
            {
                return TwoThreadRuns.throughput(link, partner, windowNanos);
            }
        };
    }

    private static AlternatingWindows.Workload pingPongWorkload(
        final String name, final SpscLink ping, final SpscLink pong, final int roundTrips)
    {
        return latencyWorkload(name, (partner, latency) ->
            TwoThreadRuns.pingPong(ping, pong, partner, roundTrips, latency));
    }

    private static AlternatingWindows.Workload oneWayWorkload(
        final String name, final SpscLink link, final int messages)
    {
        return latencyWorkload(name, (partner, latency) -> TwoThreadRuns.oneWay(link, partner, messages, latency));
    }

    /** A run that records latencies into the window's histogram. */
    private interface LatencyRun
    {
        void run(Partner partner, Histogram latency);
    }

    private static AlternatingWindows.Workload latencyWorkload(final String name, final LatencyRun run)
    {
        return new AlternatingWindows.Workload()
        {
            @Override
            public String name()
            {
                return name;
            }

            @Override
            public double runWindow(final Partner partner, final Histogram latency)
            {
                run.run(partner, latency);
                return latency.getValueAtPercentile(50);
            }
        };
    }

    private static double[] summary(final Map<Placement, AlternatingWindows.Tally[]> tallies,
        final AlternatingWindows windows, final PrintWriter out, final String unit, final boolean latency)
    {
        return summary(tallies, windows, out, unit, latency, "agrona", "ump");
    }

    private static double[] summary(final Map<Placement, AlternatingWindows.Tally[]> tallies,
        final AlternatingWindows windows, final PrintWriter out, final String unit, final boolean latency,
        final String first, final String second)
    {
        out.printf("%nsummary (windows dropped: %d whose probes disagreed, %d starved of CPU)%n", windows.dropped(),
            windows.starved());
        out.printf("%-9s %-8s %8s %16s%s%n", "placement", "impl", "windows", "mean " + unit,
            latency ? "   p50 ns   p99 ns p99.9 ns" : "");
        final double[] ratios = new double[Placement.CLASSIFIED.size()];
        for (final Placement placement : Placement.CLASSIFIED)
        {
            final AlternatingWindows.Tally[] t = tallies.get(placement);
            final String[] names = { first, second };
            for (int i = 0; i < 2; i++)
            {
                out.printf(Locale.ROOT, "%-9s %-8s %8d %16s", placement.name().toLowerCase(Locale.ROOT),
                    names[i], t[i].windows, t[i].windows == 0 ? "-" : String.format(Locale.ROOT, "%,.0f",
                    t[i].mean()));
                if (latency && t[i].windows > 0)
                {
                    out.printf(Locale.ROOT, " %8d %8d %8d", t[i].latency.getValueAtPercentile(50),
                        t[i].latency.getValueAtPercentile(99), t[i].latency.getValueAtPercentile(99.9));
                }
                out.println();
            }
            ratios[placement.ordinal()] = t[1].mean() / t[0].mean();
            out.printf(Locale.ROOT, "%-9s ratio %s/%s %s%n", placement.name().toLowerCase(Locale.ROOT), second,
                first, Double.isNaN(ratios[placement.ordinal()]) ? "n/a (no windows of both)" :
                String.format(Locale.ROOT, "%.2f", ratios[placement.ordinal()]));
        }
        out.flush();
        return ratios;
    }
}
