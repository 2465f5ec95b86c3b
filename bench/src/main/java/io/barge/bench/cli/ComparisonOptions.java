package io.barge.bench.cli;

import io.barge.bench.core.ComparisonSettings;
import picocli.CommandLine.Option;

/**
 * Options shared by the alternating-window comparisons (a picocli mixin).
 */
final class ComparisonOptions
{
    @Option(names = "--windows", paramLabel = "N", defaultValue = "20",
        description = "Measured windows, alternating Agrona and UMP (default: ${DEFAULT-VALUE}).")
    int windows;

    @Option(names = "--window-ms", paramLabel = "MS", defaultValue = "500",
        description = "Length of a throughput window (default: ${DEFAULT-VALUE}).")
    int windowMillis;

    @Option(names = "--warmup-windows", paramLabel = "N", defaultValue = "2",
        description = "Unmeasured windows per implementation first (default: ${DEFAULT-VALUE}).")
    int warmupWindows;

    @Option(names = "--probe-round-trips", paramLabel = "N", defaultValue = "2000",
        description = "Round trips of the placement probe before and after each window (default: ${DEFAULT-VALUE}).")
    int probeRoundTrips;

    @Option(names = "--threshold-ns", paramLabel = "NS", defaultValue = "400",
        description = "Probe p50 below which a window counts as near (default: ${DEFAULT-VALUE}).")
    long thresholdNanos;

    @Option(names = "--ring", paramLabel = "MESSAGES", defaultValue = "1024",
        description = "Ring capacity in 64-byte messages, both implementations (default: ${DEFAULT-VALUE}).")
    int ringMessages;

    @Option(names = "--round-trips", paramLabel = "N", defaultValue = "20000",
        description = "Round trips per ping-pong window (default: ${DEFAULT-VALUE}).")
    int roundTrips;

    @Option(names = "--min-cpu", paramLabel = "PERCENT", defaultValue = "-1",
        description = "Drop a window in which either thread was on a CPU less than this share of it, as the machine " +
            "is shared (default: 90 for throughput; 0 for ping-pong, whose p50 survives preemption).")
    int minCpuPercent;

    /**
     * @param defaultMinCpuPercent the command's default for {@code --min-cpu}.
     * @return the settings.
     */
    ComparisonSettings settings(final int defaultMinCpuPercent)
    {
        final int minCpu = minCpuPercent < 0 ? defaultMinCpuPercent : minCpuPercent;
        return new ComparisonSettings(windows, windowMillis, warmupWindows, probeRoundTrips, thresholdNanos,
            ringMessages, roundTrips, minCpu / 100.0);
    }
}
