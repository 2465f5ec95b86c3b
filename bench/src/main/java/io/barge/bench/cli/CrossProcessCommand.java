package io.barge.bench.cli;

import io.barge.bench.core.CrossProcessWindows;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code barge cross-process}: a child JVM streaming to this one over each of the Rbufs and fbufs process channels,
 * the ring process channel and Aeron IPC (and, when asked, the xen process channel), measured in alternating windows
 * ({@link CrossProcessWindows}).
 */
@Command(
    name = "cross-process",
    mixinStandardHelpOptions = true,
    description = {
        "Two-process streaming: a child JVM sends, this one receives, over the zero-copy Rbufs and fbufs process " +
            "channels, the copying ring process channel and Aeron IPC (1.47.4, driver in the child), in alternating " +
            "windows.",
        "Every child is started and then stopped (SIGSTOP); each round resumes one at a time for a warm-up and a " +
            "counted window, so each transport runs alone with this process and all of a round see the same vCPU " +
            "placement. Each child writes every word of every message (in place for Rbufs, fbufs and Aeron's claim) " +
            "unless --no-fill; with --touch this process reads every byte. Prints each round's rates and ratios " +
            "to the last stream, and their medians.",
        "A placement probe (a ping-pong between two threads of this process, every child stopped) brackets each " +
            "window: the two vCPUs flip between near and far, and a ratio is only taken between windows of one " +
            "placement; the medians are given per placement, windows whose probes disagree (mixed) left out."
    })
final class CrossProcessCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = { "-s", "--size" }, paramLabel = "BYTES", defaultValue = "65536", converter = Cli.ByteSize.class,
        description = "Message size in bytes, 8..1m; k and m suffixes allowed (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--touch", description = "This process reads every byte of every message (else the first word).")
    boolean touch;

    @Option(names = "--no-fill", description = "Each child writes only the first word of each message (the copying " +
        "ones still copy every byte; the Rbufs receiver then reads lines no one rewrote: not a fair row).")
    boolean noFill;

    @Option(names = "--streams", paramLabel = "NAME[,NAME...]", split = ",", defaultValue = "rbufs,fbufs,ring,aeron",
        description = "Streams in order, from rbufs (raw ends), rbufs-spi (the transport SPI at both ends), fbufs, xen " +
            "(persistent grants, at most 64k), ring, aeron, and the in-process references rbufs-local, fbufs-local, " +
            "xen-local (a sending thread in this JVM on the in-process transport, SPI at both ends); the last is the " +
            "ratios' reference (default: ${DEFAULT-VALUE}).")
    List<String> streams;

    @Option(names = "--window-ms", paramLabel = "T", defaultValue = "1000",
        description = "Counted milliseconds per window (default: ${DEFAULT-VALUE}).")
    long windowMs;

    @Option(names = "--warmup-ms", paramLabel = "T", defaultValue = "300",
        description = "Uncounted milliseconds before each window (default: ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
        description = "Rounds of one window per stream (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-rounds", paramLabel = "N", defaultValue = "1",
        description = "Rounds run first and left out: this process compiles its receivers in them " +
            "(default: ${DEFAULT-VALUE}).")
    int warmupRounds;

    @Option(names = "--probe-round-trips", paramLabel = "N", defaultValue = "2000",
        description = "Round trips per placement probe (default: ${DEFAULT-VALUE}).")
    int probeRoundTrips;

    @Option(names = "--threshold-ns", paramLabel = "NS", defaultValue = "400",
        description = "Probe p50 under which a window counts as near (default: ${DEFAULT-VALUE}).")
    long thresholdNanos;

    @Override
    public Integer call() throws Exception
    {
        final CrossProcessWindows.Settings settings = Cli.usage(spec, () ->
        {
            if (size < 8 || size > (1 << 20))
            {
                throw new IllegalArgumentException("--size=" + size + " must be in [8, 1m]");
            }
            if ((streams.contains("xen") || streams.contains("xen-local")) && size > (1 << 16))
            {
                throw new IllegalArgumentException("--size=" + size + " must be at most 64k with the xen stream " +
                    "(a request names at most 16 pages)");
            }
            return new CrossProcessWindows.Settings(size, touch, !noFill, streams, windowMs, warmupMs, rounds,
                warmupRounds, probeRoundTrips, thresholdNanos);
        });
        CrossProcessWindows.run(settings, spec.commandLine().getOut());
        return 0;
    }
}
