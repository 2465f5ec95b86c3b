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
 * paused and resumed by a flag instead). The first stream of a round rotates. Per
 * round it prints each stream's rate and each ratio to the last stream (the reference: Aeron by default); at the
 * end, per stream the median rate and per ratio the median and range over the rounds.
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
     */
    public record Settings(int size, boolean touch, boolean fill, List<String> streams, long windowMs, long warmupMs,
        int rounds)
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
     * @return rates in msgs/s, {@code [round][stream]} in the settings' stream order.
     * @throws IOException if a child cannot be started or stopped.
     */
    public static double[][] run(final Settings settings, final PrintWriter out) throws IOException
    {
        final List<ChildStreams.Stream> streams = new CopyOnWriteArrayList<>(); // the hook reads it too
        // Ctrl-C while children are stopped: SIGKILL ends a stopped process too, so none is left behind.
        final Thread killChildren = new Thread(() -> streams.forEach(ChildStreams.Stream::kill),
            "barge-cross-process-children");
        Runtime.getRuntime().addShutdownHook(killChildren);
        try
        {
            for (final String name : settings.streams())
            {
                final ChildStreams.Stream stream = start(name, settings);
                streams.add(stream);
                stream.pause();
            }
            out.printf(Locale.ROOT, "cross-process: %s, %,d B messages, %s, children %s; %d rounds of %d ms " +
                "windows (%d ms warm-up each), one child running at a time%n", String.join(", ",
                settings.streams()), settings.size(), settings.touch() ? "receiver touching every byte" :
                "receiver reading the first word", settings.fill() ? "filling every word" : "writing the first word",
                settings.rounds(), settings.windowMs(), settings.warmupMs());
            out.flush();
            final int n = streams.size();
            final double[][] rates = new double[settings.rounds()][n];
            for (int round = 0; round < settings.rounds(); round++)
            {
                for (int k = 0; k < n; k++)
                {
                    final int i = (round + k) % n;
                    rates[round][i] = window(streams.get(i), settings);
                }
                out.println(line("round " + (round + 1), settings.streams(), rates[round]));
                out.flush();
            }
            summary(settings.streams(), rates, out);
            return rates;
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

    private static String line(final String title, final List<String> names, final double[] rates)
    {
        final StringBuilder line = new StringBuilder(title).append(':');
        for (int i = 0; i < names.size(); i++)
        {
            line.append(String.format(Locale.ROOT, "  %s %,.0f msg/s", names.get(i), rates[i]));
        }
        final int reference = names.size() - 1;
        for (int i = 0; i < reference; i++)
        {
            line.append(String.format(Locale.ROOT, "  %s/%s %s", names.get(i), names.get(reference),
                ratio(rates[i], rates[reference])));
        }
        return line.toString();
    }

    private static String ratio(final double rate, final double reference)
    {
        return reference > 0 ? String.format(Locale.ROOT, "%.2f", rate / reference) : "n/a (nothing taken)";
    }

    private static void summary(final List<String> names, final double[][] rates, final PrintWriter out)
    {
        final int n = names.size();
        final double[] medians = new double[n];
        for (int i = 0; i < n; i++)
        {
            medians[i] = median(column(rates, i, -1));
        }
        out.println(line("median", names, medians)); // ratios of the medians; the per-round ratios follow
        for (int i = 0; i < n - 1; i++)
        {
            final double[] ratios = column(rates, i, n - 1);
            final double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            out.printf(Locale.ROOT, "%s/%s per round: median %.2f, range %.2f-%.2f over %d rounds%n", names.get(i),
                names.get(n - 1), median(ratios), sorted[0], sorted[sorted.length - 1], ratios.length);
        }
        out.flush();
    }

    /** @return column {@code i} of the rates, or its ratio to column {@code reference} if that is not -1. */
    private static double[] column(final double[][] rates, final int i, final int reference)
    {
        final double[] column = new double[rates.length];
        for (int r = 0; r < rates.length; r++)
        {
            column[r] = reference < 0 ? rates[r][i] : rates[r][i] / rates[r][reference];
        }
        return column;
    }

    private static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
