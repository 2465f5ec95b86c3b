package io.barge.bench.report;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.grant.GrantCounters;
import org.HdrHistogram.Histogram;

/**
 * Before/after snapshots of the kernel's counters and the conversions of counters and histograms into report
 * records.
 */
final class Counting
{
    /** Named first so that grant-tables has registered its types before {@link #TYPES} counts them. */
    private static final CounterType GRANT_REGISTERED = GrantCounters.GRANT_MAPS;
    private static final int TYPES = CounterType.values().length;

    private Counting()
    {
    }

    /**
     * @param kernel the machine.
     * @return a fresh snapshot of every counter total.
     */
    static long[] snapshot(final Kernel kernel)
    {
        return kernel.counters().totals(new long[TYPES]);
    }

    /**
     * @param before   snapshot before.
     * @param after    snapshot after.
     * @param messages messages between them.
     * @return the difference per message.
     */
    static ReportModel.PerMessage perMessage(final long[] before, final long[] after, final long messages)
    {
        final double n = Math.max(1, messages);
        return new ReportModel.PerMessage(
            delta(before, after, CounterType.FRAMES_ALLOCATED) / n,
            delta(before, after, CounterType.FRAMES_ZEROED) / n,
            delta(before, after, CounterType.FRAMES_FREED) / n,
            delta(before, after, CounterType.PAGE_TABLE_UPDATES) / n,
            delta(before, after, CounterType.TLB_FLUSHES) / n,
            delta(before, after, CounterType.BYTES_COPIED) / n,
            delta(before, after, CounterType.PROTECTION_CHANGES) / n,
            delta(before, after, CounterType.NOTIFICATIONS_SENT) / n,
            delta(before, after, CounterType.NOTIFICATIONS_SUPPRESSED) / n,
            delta(before, after, CounterType.VIRTUAL_RANGE_OPS) / n,
            delta(before, after, CounterType.AGGREGATE_OPS) / n,
            delta(before, after, CounterType.PROTOCOL_VIOLATIONS) / n,
            delta(before, after, CounterType.REJECTED_READS) / n,
            delta(before, after, GrantCounters.GRANT_MAPS) / n,
            delta(before, after, GrantCounters.GRANT_UNMAPS) / n,
            delta(before, after, GrantCounters.GRANT_COPIES) / n,
            delta(before, after, GrantCounters.GRANT_PINS) / n);
    }

    /**
     * @return a histogram for nanosecond latencies up to a minute, 3 significant digits.
     */
    static Histogram newHistogram()
    {
        return new Histogram(60_000_000_000L, 3);
    }

    /**
     * @param histogram recorded latencies in nanoseconds.
     * @return its percentiles (zeros if empty).
     */
    static ReportModel.Latency latency(final Histogram histogram)
    {
        if (histogram.getTotalCount() == 0)
        {
            return new ReportModel.Latency(0, 0, 0, 0);
        }
        return new ReportModel.Latency(histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
            histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }

    private static long delta(final long[] before, final long[] after, final CounterType type)
    {
        return after[type.ordinal()] - before[type.ordinal()];
    }
}
