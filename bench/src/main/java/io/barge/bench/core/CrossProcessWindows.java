package io.barge.bench.core;

import io.barge.core.machine.ProcessTransport;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Two-process streams of several transports ({@link ChildStreams}) measured in alternating windows, as DESIGN.md
 * asks of figures whose vCPU placement may flip: every child is started, then stopped with SIGSTOP; each round
 * resumes one child at a time (SIGCONT), lets it run a warm-up slice uncounted, counts the whole messages this
 * process takes in a window, and stops it again, so only one child and this process run at a time and every
 * transport of a round saw the same placement within a few windows (an in-process reference's sending thread is
 * paused and resumed by a flag instead). The first stream of a round rotates.
 * <p>
 * The two vCPUs of these machines sit near or far from each other for seconds to minutes at a time, and every
 * cross-core rate flips with them, so each window is bracketed by a placement probe ({@link PingPongProbe}, run in
 * this process while every stream is paused) and tagged near, far, or mixed when its two probes disagree; a ratio
 * is only formed between two windows of one placement. Per round it prints each stream's rate, placement and probe
 * medians, and each ratio to the last stream (the reference: Aeron by default); at the end, per placement, the
 * median rate of each stream and the median and range of each ratio over the rounds that had it. Mixed windows are
 * printed and counted but enter no summary.
 */
public final class CrossProcessWindows
{
    /**
     * Streams this runner knows: the two-process ones, the in-process references ({@code -local}: a sending thread in
     * this JVM, {@link ChildStreams#local}) and Aeron. Of those a run is given, the last is the ratios' reference.
     */
    public static final List<String> STREAMS = List.of("rbufs", "rbufs-spi", "fbufs", "xen", "ring", "rbufs-local",
        "fbufs-local", "xen-local", "aeron");
    /** Polls between two looks at the clock in a window. */
    private static final int POLLS_PER_CLOCK = 64;

    /**
     * What a run measured, {@code [round][stream]} in the settings' stream order.
     *
     * @param rates      msgs/s.
     * @param placements each window's placement.
     */
    public record Windows(double[][] rates, Placement[][] placements)
    {
    }

    private CrossProcessWindows()
    {
    }

    /**
     * Checked settings.
     *
     * @param size     message bytes.
     * @param touch    whether every byte is read.
     * @param fill     whether each child writes every word of each message.
     * @param streams  stream names from {@link #STREAMS}, distinct; the last is the ratios' reference.
     * @param windowMs counted milliseconds per window.
     * @param warmupMs uncounted milliseconds before each window.
     * @param rounds   rounds of one window per stream.
     * @param warmupRounds    rounds run first and left out (this process compiles its receivers in them: the rates
     *                        of the first rounds climb for seconds).
     * @param probeRoundTrips round trips per placement probe.
     * @param thresholdNanos  probe p50 under which a window counts as near.
     */
    public record Settings(int size, boolean touch, boolean fill, List<String> streams, long windowMs, long warmupMs,
        int rounds, int warmupRounds, int probeRoundTrips, long thresholdNanos)
    {
        /**
         * Checks the values.
         */
        public Settings
        {
            if (streams.isEmpty() || streams.stream().distinct().count() != streams.size() ||
                !STREAMS.containsAll(streams))
            {
                throw new IllegalArgumentException("--streams " + String.join(",", streams) + ": give distinct " +
                    "names from " + String.join(",", STREAMS));
            }
            if (windowMs < 10 || windowMs > 60_000)
            {
                throw new IllegalArgumentException("--window-ms=" + windowMs + " must be in [10, 60000]");
            }
            if (warmupMs < 0 || warmupMs > 60_000)
            {
                throw new IllegalArgumentException("--warmup-ms=" + warmupMs + " must be in [0, 60000]");
            }
            if (rounds < 1 || rounds > 1000)
            {
                throw new IllegalArgumentException("--rounds=" + rounds + " must be in [1, 1000]");
            }
            if (warmupRounds < 0 || warmupRounds > 100)
            {
                throw new IllegalArgumentException("--warmup-rounds=" + warmupRounds + " must be in [0, 100]");
            }
            if (probeRoundTrips < 1 || probeRoundTrips > 1_000_000)
            {
                throw new IllegalArgumentException("--probe-round-trips=" + probeRoundTrips + " must be in [1, " +
                    "1000000]");
            }
            if (thresholdNanos < 1)
            {
                throw new IllegalArgumentException("--threshold-ns=" + thresholdNanos + " must be at least 1");
            }
            streams = List.copyOf(streams);
        }

        /** @return the kernel's client timeout: longer than a child stays stopped, with room. */
        long heartbeatTimeoutMs()
        {
            return 10_000 + 4 * streams.size() * (windowMs + warmupMs);
        }
    }

    /**
     * Runs the windows and prints them.
     *
     * @param settings checked settings.
     * @param out      where the rounds and the summary go.
     * @return each window's rate and placement.
     * @throws IOException if a child cannot be started or stopped.
     */
    public static Windows run(final Settings settings, final PrintWriter out) throws IOException
    {
        final List<ChildStreams.Stream> streams = new CopyOnWriteArrayList<>(); // the hook reads it too
        // Ctrl-C while children are stopped: SIGKILL ends a stopped process too, so none is left behind.
        final Thread killChildren = new Thread(() -> streams.forEach(ChildStreams.Stream::kill),
            "barge-cross-process-children");
        Runtime.getRuntime().addShutdownHook(killChildren);
        try (Partner partner = new Partner(); PingPongProbe probe = new PingPongProbe(partner,
            settings.probeRoundTrips()))
        {
            for (final String name : settings.streams())
            {
                final ChildStreams.Stream stream = start(name, settings);
                streams.add(stream);
                stream.pause();
            }
            out.printf(Locale.ROOT, "cross-process: %s, %,d B messages, %s, children %s; %d rounds (after %d " +
                "left out) of %d ms windows (%d ms warm-up each), one child running at a time; each window between two placement " +
                "probes of %d round trips, near if p50 < %d ns%n", String.join(", ", settings.streams()),
                settings.size(), settings.touch() ? "receiver touching every byte" : "receiver reading the first word",
                settings.fill() ? "filling every word" : "writing the first word", settings.rounds(),
                settings.warmupRounds(), settings.windowMs(), settings.warmupMs(), settings.probeRoundTrips(),
                settings.thresholdNanos());
            out.flush();
            final int n = streams.size();
            final double[][] rates = new double[settings.rounds()][n];
            final Placement[][] placements = new Placement[settings.rounds()][n];
            final long[][] probes = new long[n][2];
            final double[] warmupRates = new double[n];
            final Placement[] warmupPlacements = new Placement[n];
            for (int round = -settings.warmupRounds(); round < settings.rounds(); round++)
            {
                final boolean counted = round >= 0;
                final double[] roundRates = counted ? rates[round] : warmupRates;
                final Placement[] roundPlacements = counted ? placements[round] : warmupPlacements;
                for (int k = 0; k < n; k++)
                {
                    final int i = Math.floorMod(round + k, n);
                    probes[i][0] = probe.p50Nanos(); // every stream paused: the probe has both vCPUs
                    roundRates[i] = window(streams.get(i), settings);
                    probes[i][1] = probe.p50Nanos();
                    roundPlacements[i] = Placement.of(probes[i][0], probes[i][1], settings.thresholdNanos());
                }
                out.println(roundLine(counted ? "round " + (round + 1) : "warm-up round " +
                    (round + settings.warmupRounds() + 1), settings.streams(), roundRates, roundPlacements, probes));
                out.flush();
            }
            summary(settings.streams(), rates, placements, out);
            return new Windows(rates, placements);
        }
        finally
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(killChildren);
            }
            catch (final IllegalStateException ex)
            {
                // the JVM is shutting down: the hook runs
            }
            for (final ChildStreams.Stream stream : streams)
            {
                try
                {
                    stream.resume(); // a stopped child cannot see its receiver close
                }
                catch (final IOException | RuntimeException ex)
                {
                    stream.kill();
                }
                stream.close();
            }
        }
    }

    private static ChildStreams.Stream start(final String name, final Settings settings) throws IOException
    {
        // The SPI streams' messages in flight: as many as the raw Rbufs stream has buffers.
        final int inFlight = ProcessFbufsBenchmark.capacityBesideRbufs(settings.size());
        switch (name)
        {
            case "rbufs":
                return ChildStreams.rbufs(settings.size(), ChildStreams.capacityFor(settings.size()),
                    settings.touch(), settings.fill(), settings.heartbeatTimeoutMs());
            case "rbufs-spi":
                return ChildStreams.spi(ProcessTransport.RBUFS, settings.size(), inFlight,
                    settings.touch(), settings.fill(), settings.heartbeatTimeoutMs());
            case "rbufs-local":
                return ChildStreams.local("rbufs", Map.of(), settings.size(), inFlight,
                    settings.touch(), settings.fill());
            case "fbufs-local":
                return ChildStreams.local("fbufs", Map.of(), settings.size(), inFlight,
                    settings.touch(), settings.fill());
            case "xen-local":
                return ChildStreams.local("xen", Map.of("grants", "persistent"), settings.size(),
                    ChildStreams.buffersFor(settings.size()), settings.touch(), settings.fill());
            case "fbufs":
                return ChildStreams.fbufs(settings.size(), inFlight,
                    settings.touch(), settings.fill(), settings.heartbeatTimeoutMs());
            case "xen":
                return ChildStreams.xen(settings.size(), settings.touch(), settings.fill(), "persistent",
                    settings.heartbeatTimeoutMs());
            case "ring":
                return ChildStreams.ring(settings.size(), settings.touch(), settings.fill(),
                    settings.heartbeatTimeoutMs());
            default:
                return ChildStreams.aeron(settings.size(), settings.touch(), settings.fill());
        }
    }

    /** @return msgs/s over the counted part of one window of the stream's child. */
    private static double window(final ChildStreams.Stream stream, final Settings settings) throws IOException
    {
        stream.resume();
        try
        {
            run(stream, TimeUnit.MILLISECONDS.toNanos(settings.warmupMs()));
            final long start = System.nanoTime();
            final long taken = run(stream, TimeUnit.MILLISECONDS.toNanos(settings.windowMs()));
            return taken * 1e9 / (System.nanoTime() - start);
        }
        finally
        {
            stream.pause();
        }
    }

    /** @return whole messages taken in {@code nanos}. */
    private static long run(final ChildStreams.Stream stream, final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        long taken = 0;
        do
        {
            for (int i = 0; i < POLLS_PER_CLOCK; i++)
            {
                taken += stream.poll();
            }
        }
        while (System.nanoTime() - end < 0);
        return taken;
    }

    private static String roundLine(final String title, final List<String> names, final double[] rates,
        final Placement[] placements, final long[][] probes)
    {
        final StringBuilder line = new StringBuilder(title).append(':');
        for (int i = 0; i < names.size(); i++)
        {
            line.append(String.format(Locale.ROOT, "  %s %,.0f msg/s [%s %d/%d ns]", names.get(i), rates[i],
                placements[i].label(), probes[i][0], probes[i][1]));
        }
        final int reference = names.size() - 1;
        for (int i = 0; i < reference; i++)
        {
            line.append("  ").append(names.get(i)).append('/').append(names.get(reference)).append(' ');
            if (comparable(placements[i], placements[reference]))
            {
                line.append(ratio(rates[i], rates[reference]));
            }
            else
            {
                line.append("n/a (").append(placements[i].label()).append(" vs ")
                    .append(placements[reference].label()).append(')');
            }
        }
        return line.toString();
    }

    private static boolean comparable(final Placement a, final Placement b)
    {
        return a == b && a != Placement.MIXED;
    }

    private static String ratio(final double rate, final double reference)
    {
        return reference > 0 ? String.format(Locale.ROOT, "%.2f", rate / reference) : "n/a (nothing taken)";
    }

    /**
     * Prints, per placement that some window had, each stream's median rate over its windows of that placement and
     * each ratio to the last stream over the rounds in which both windows had it; then how many windows were mixed.
     *
     * @param names      the streams; the last is the reference.
     * @param rates      msgs/s, {@code [round][stream]}.
     * @param placements {@code [round][stream]}.
     * @param out        where it goes.
     */
    static void summary(final List<String> names, final double[][] rates, final Placement[][] placements,
        final PrintWriter out)
    {
        final int n = names.size();
        for (final Placement placement : Placement.CLASSIFIED)
        {
            final StringBuilder line = new StringBuilder("median ").append(placement.label()).append(':');
            boolean any = false;
            for (int i = 0; i < n; i++)
            {
                final double[] column = column(rates, placements, i, -1, placement);
                any |= column.length > 0;
                line.append("  ").append(names.get(i)).append(' ').append(column.length == 0 ? "n/a" :
                    String.format(Locale.ROOT, "%,.0f msg/s", median(column))).append(" (")
                    .append(column.length).append(column.length == 1 ? " window)" : " windows)");
            }
            if (!any)
            {
                continue;
            }
            out.println(line);
            for (int i = 0; i < n - 1; i++)
            {
                final double[] ratios = column(rates, placements, i, n - 1, placement);
                final String pair = names.get(i) + "/" + names.get(n - 1);
                if (ratios.length == 0)
                {
                    out.printf(Locale.ROOT, "%s %s per round: n/a (no round with both %s)%n", placement.label(),
                        pair, placement.label());
                    continue;
                }
                final double[] sorted = ratios.clone();
                Arrays.sort(sorted);
                out.printf(Locale.ROOT, "%s %s per round: median %.2f, range %.2f-%.2f over %d %s%n",
                    placement.label(), pair, median(ratios), sorted[0], sorted[sorted.length - 1], ratios.length,
                    ratios.length == 1 ? "round" : "rounds");
            }
        }
        int mixed = 0;
        for (final Placement[] round : placements)
        {
            for (final Placement p : round)
            {
                mixed += p == Placement.MIXED ? 1 : 0;
            }
        }
        out.printf(Locale.ROOT, "mixed windows (left out): %d of %d%n", mixed, rates.length * n);
        out.flush();
    }

    /**
     * @return stream {@code i}'s rates in the rounds where its window had the placement, or (reference not -1) its
     *         ratios to the reference in the rounds where both windows had it; a reference that took nothing gives
     *         no ratio.
     */
    private static double[] column(final double[][] rates, final Placement[][] placements, final int i,
        final int reference, final Placement placement)
    {
        final double[] column = new double[rates.length];
        int count = 0;
        for (int r = 0; r < rates.length; r++)
        {
            if (placements[r][i] != placement)
            {
                continue;
            }
            if (reference < 0)
            {
                column[count++] = rates[r][i];
            }
            else if (placements[r][reference] == placement && rates[r][reference] > 0)
            {
                column[count++] = rates[r][i] / rates[r][reference];
            }
        }
        return Arrays.copyOf(column, count);
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
