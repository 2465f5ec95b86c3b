package io.barge.bench.core;

/**
 * How an alternating-window comparison runs.
 *
 * @param windows         measured windows, alternating between the two implementations.
 * @param windowMillis    length of a throughput window.
 * @param warmupWindows   unmeasured windows per implementation first (JIT warm-up).
 * @param probeRoundTrips round trips of the placement probe before and after each window.
 * @param thresholdNanos  probe p50 below which a window counts as near.
 * @param ringMessages    capacity of each ring in 64-byte messages.
 * @param roundTrips      round trips per ping-pong window.
 * @param minCpuShare     least share of a window each thread must have been on a CPU (0..1), else it is dropped.
 */
public record ComparisonSettings(
    int windows, int windowMillis, int warmupWindows, int probeRoundTrips, long thresholdNanos, int ringMessages,
    int roundTrips, double minCpuShare)
{
    /**
     * Checks the values.
     */
    public ComparisonSettings
    {
        if (windows < 2 || windowMillis < 1 || warmupWindows < 0 || probeRoundTrips < 1 || thresholdNanos < 1 ||
            ringMessages < 2 || Integer.bitCount(ringMessages) != 1 || roundTrips < 1 ||
            !(minCpuShare >= 0 && minCpuShare <= 1))
        {
            throw new IllegalArgumentException("windows=" + windows + " (>= 2) windowMillis=" + windowMillis +
                " (>= 1) warmupWindows=" + warmupWindows + " (>= 0) probeRoundTrips=" + probeRoundTrips +
                " (>= 1) thresholdNanos=" + thresholdNanos + " (>= 1) ringMessages=" + ringMessages +
                " (power of two >= 2) roundTrips=" + roundTrips + " (>= 1) minCpuShare=" + minCpuShare + " (0..1)");
        }
    }

    /**
     * @return 20 windows of 0.5 s after 2 warm-up windows each, 2000-round-trip probes, 400 ns threshold, rings of
     *         1024 messages, 20000 round trips per ping-pong window, windows dropped below 90% CPU.
     */
    public static ComparisonSettings defaults()
    {
        return new ComparisonSettings(20, 500, 2, 2000, 400, 1024, 20_000, 0.9);
    }
}
