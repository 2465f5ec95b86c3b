package io.barge.bench.report;

import java.util.List;
import java.util.Map;

/**
 * The records a report run produces and {@code results.json} holds ({@code "schema": 1}). Field names are the
 * JSON names; Jackson writes and reads them as they are.
 */
public final class ReportModel
{
    /** The version of the {@code results.json} layout; bumped when a field changes meaning. */
    public static final int SCHEMA = 1;

    private ReportModel()
    {
    }

    /**
     * Latency percentiles of one row, in nanoseconds.
     *
     * @param p50  median.
     * @param p99  99th percentile.
     * @param p999 99.9th percentile.
     * @param max  largest recorded.
     */
    public record Latency(double p50, double p99, double p999, double max)
    {
    }

    /**
     * Privileged operations per message, from the kernel's counters (after minus before, divided by messages).
     *
     * @param framesAllocated         frames handed out.
     * @param framesZeroed            frames zeroed.
     * @param pageTableUpdates        page-table entries written.
     * @param tlbFlushes              translation-cache flushes.
     * @param bytesCopied             bytes the kernel copied.
     * @param protectionChanges       rights raised or lowered.
     * @param notificationsSent       notifications sent.
     * @param notificationsSuppressed notifications not needed.
     */
    public record PerMessage(double framesAllocated, double framesZeroed, double pageTableUpdates,
        double tlbFlushes, double bytesCopied, double protectionChanges, double notificationsSent,
        double notificationsSuppressed)
    {
    }

    /**
     * The spread of the measured iterations' rates (operations or messages per second).
     *
     * @param iterations measured iterations (warm-up excluded).
     * @param mean       mean rate.
     * @param min        slowest iteration.
     * @param max        fastest iteration.
     * @param stdev      sample standard deviation.
     */
    public record Spread(int iterations, double mean, double min, double max, double stdev)
    {
    }

    /**
     * One measured transport row.
     *
     * @param transport           transport name.
     * @param mode                its option values, "k=v,..." or "default".
     * @param scenario            "crossing" or "pipeline".
     * @param hops                domain crossings (1 for a crossing).
     * @param messageBytes        message size.
     * @param touch               whether the final receiver read every byte.
     * @param placement           "single-thread", "near", "far" or "mixed".
     * @param threads             threads the measurement used.
     * @param messagesPerSecond   median rate over the measured iterations.
     * @param bytesPerSecond      {@code messagesPerSecond * messageBytes}.
     * @param relativeToBareRead  bytesPerSecond over the bare read bandwidth at this size, or null.
     * @param latencyNanos        latency percentiles.
     * @param perMessage          privileged operations per message.
     * @param spread              spread of the iterations.
     * @param placementProbeNanos ping-pong p50 before and after each window (two-thread rows only).
     */
    public record Row(String transport, String mode, String scenario, int hops, int messageBytes, boolean touch,
        String placement, int threads, double messagesPerSecond, double bytesPerSecond, Double relativeToBareRead,
        Latency latencyNanos, PerMessage perMessage, Spread spread, List<Double> placementProbeNanos)
    {
        /**
         * @param value the ratio to bare read.
         * @return a copy with it.
         */
        public Row withRelativeToBareRead(final Double value)
        {
            return new Row(transport, mode, scenario, hops, messageBytes, touch, placement, threads,
                messagesPerSecond, bytesPerSecond, value, latencyNanos, perMessage, spread, placementProbeNanos);
        }

        /**
         * @return the identity under which runs are compared: everything but the figures.
         */
        public String key()
        {
            return scenario + "|" + transport + "|" + mode + "|hops=" + hops + "|" + messageBytes + "B|touch=" +
                touch + "|" + placement;
        }
    }

    /**
     * One reference point measured in the same run.
     *
     * @param name                e.g. "memory-read".
     * @param messageBytes        bytes per operation.
     * @param placement           "single-thread", "near", "far" or "mixed".
     * @param threads             threads the measurement used.
     * @param bytesPerSecond      bandwidth.
     * @param messagesPerSecond   operations per second (median of iterations).
     * @param nanosPerOp          1e9 / messagesPerSecond.
     * @param spread              spread of the iterations.
     * @param placementProbeNanos ping-pong p50 before and after each window (two-thread references only).
     */
    public record Reference(String name, int messageBytes, String placement, int threads, double bytesPerSecond,
        double messagesPerSecond, double nanosPerOp, Spread spread, List<Double> placementProbeNanos)
    {
        /**
         * @return the identity under which runs are compared.
         */
        public String key()
        {
            return name + "|" + messageBytes + "B|" + placement;
        }
    }

    /**
     * What one measurement group (one JVM) returns.
     *
     * @param results    transport rows.
     * @param references reference rows.
     * @param failures   what could not be measured, and why.
     */
    public record GroupOutput(List<Row> results, List<Reference> references, List<String> failures)
    {
    }

    /**
     * One row of a comparison with an earlier run.
     *
     * @param key      the row's identity ({@link Row#key()} or {@link Reference#key()}).
     * @param kind     "result" or "reference".
     * @param oldValue earlier messages per second.
     * @param newValue this run's messages per second.
     * @param ratio    new over old: above 1 is faster.
     */
    public record Compared(String key, String kind, double oldValue, double newValue, double ratio)
    {
    }

    /**
     * The whole of {@code results.json}.
     *
     * @param schema      {@link #SCHEMA}.
     * @param environment machine, JVM and settings.
     * @param results     transport rows.
     * @param references  reference rows.
     * @param comparison  rows compared with {@code --compare}, or null.
     * @param failures    measurements that failed, and why (the rest of the run went on).
     */
    public record Results(int schema, Map<String, Object> environment, List<Row> results,
        List<Reference> references, Comparison comparison, List<String> failures)
    {
    }

    /**
     * A comparison with an earlier results file.
     *
     * @param against the earlier file.
     * @param rows    rows present in both runs.
     */
    public record Comparison(String against, List<Compared> rows)
    {
    }
}
