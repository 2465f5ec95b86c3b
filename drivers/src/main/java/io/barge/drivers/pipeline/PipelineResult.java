package io.barge.drivers.pipeline;

import io.barge.core.CounterType;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * The figures of one {@link Pipeline} run. Throughput, latency and the cost counters cover the messages after the
 * warm-up: the counters' "before" snapshot is taken when the sink reaches the first measured message (so caches
 * filled during the warm-up are not charged), the "after" one when every stage has stopped, before teardown. Costs
 * of the few messages in flight at the first snapshot are split across it, an error of at most
 * (capacity x hops) / measured messages. A counter type registered after the run started reads 0.
 */
public final class PipelineResult
{
    private final Pipeline pipeline;
    private final String[] domains;
    private final boolean completed;
    private final long received;
    private final long measuredMessages;
    private final long measuredBytes;
    private final long windowNanos;
    private final Histogram latency;
    private final long[] counterDeltas;
    private final long[][] domainCounterDeltas;
    private final long copiedForwards;
    private final long sourceBackPressures;
    private final int freeFramesBefore;
    private final int freeFramesAfter;
    private final long sequenceErrors;

    PipelineResult(final Pipeline pipeline, final String[] domains, final boolean completed, final SinkAgent sink,
        final Histogram latency, final long[] counterDeltas, final long[][] domainCounterDeltas,
        final long copiedForwards, final long sourceBackPressures, final int freeFramesBefore,
        final int freeFramesAfter)
    {
        this.pipeline = pipeline;
        this.domains = domains.clone();
        this.completed = completed;
        this.received = sink.received();
        this.measuredMessages = Math.max(0, sink.received() - pipeline.warmup());
        this.measuredBytes = sink.measuredBytes();
        this.windowNanos = completed ? sink.windowNanos() : 0;
        this.latency = latency;
        this.counterDeltas = counterDeltas.clone();
        this.domainCounterDeltas = domainCounterDeltas;
        this.copiedForwards = copiedForwards;
        this.sourceBackPressures = sourceBackPressures;
        this.freeFramesBefore = freeFramesBefore;
        this.freeFramesAfter = freeFramesAfter;
        this.sequenceErrors = sink.sequenceErrors();
    }

    /**
     * @return the pipeline that ran.
     */
    public Pipeline pipeline()
    {
        return pipeline;
    }

    /**
     * @return the domains' names, source first, sink last.
     */
    public String[] domains()
    {
        return domains.clone();
    }

    /**
     * @param domain a domain's index on the path (0 is the source).
     * @param type   a counter type.
     * @return how much that domain's counter grew during the measurement.
     */
    public long counterDelta(final int domain, final CounterType type)
    {
        return type.ordinal() < counterDeltas.length ? domainCounterDeltas[domain][type.ordinal()] : 0;
    }

    /**
     * @return forwards that copied because a stage sits between two different transports.
     */
    public long copiedForwards()
    {
        return copiedForwards;
    }

    /**
     * @return duty cycles in which the source found the first hop full (the back pressure it felt).
     */
    public long sourceBackPressures()
    {
        return sourceBackPressures;
    }

    /**
     * @return whether the end of the stream reached the sink before the timeout (every message the stages passed
     *         on was delivered first).
     */
    public boolean completed()
    {
        return completed;
    }

    /**
     * @return messages the sink received, warm-up included.
     */
    public long received()
    {
        return received;
    }

    /**
     * @return messages in the measurement (after the warm-up).
     */
    public long measuredMessages()
    {
        return measuredMessages;
    }

    /**
     * @return bytes of the measured messages, as the sink saw their lengths.
     */
    public long measuredBytes()
    {
        return measuredBytes;
    }

    /**
     * @return nanoseconds from the first measured message's send to the last message's receipt.
     */
    public long windowNanos()
    {
        return windowNanos;
    }

    /**
     * @return measured messages per second, or 0 for an incomplete run.
     */
    public double messagesPerSecond()
    {
        return windowNanos > 0 ? measuredMessages * 1e9 / windowNanos : 0;
    }

    /**
     * @return measured payload bytes per second at the sink, or 0 for an incomplete run.
     */
    public double bytesPerSecond()
    {
        return windowNanos > 0 ? measuredBytes * 1e9 / windowNanos : 0;
    }

    /**
     * @return a copy of the one-way latency histogram in nanoseconds.
     */
    public Histogram latency()
    {
        return latency.copy();
    }

    /**
     * @param percentile e.g. 99.9.
     * @return one-way latency in nanoseconds at that percentile.
     */
    public long latencyAtPercentile(final double percentile)
    {
        return latency.getValueAtPercentile(percentile);
    }

    /**
     * @return the largest one-way latency in nanoseconds.
     */
    public long maxLatency()
    {
        return latency.getMaxValue();
    }

    /**
     * @param type a counter type.
     * @return how much it grew during the measurement (after the warm-up), summed over every domain (the kernel's
     *         and other domains' too).
     */
    public long counterDelta(final CounterType type)
    {
        return type.ordinal() < counterDeltas.length ? counterDeltas[type.ordinal()] : 0;
    }

    /**
     * @param type a counter type.
     * @return its growth during the measurement divided by the measured messages.
     */
    public double counterPerMessage(final CounterType type)
    {
        return measuredMessages == 0 ? 0 : (double)counterDelta(type) / measuredMessages;
    }

    /**
     * @return free frames before the transport was created.
     */
    public int freeFramesBefore()
    {
        return freeFramesBefore;
    }

    /**
     * @return free frames after the channels and the transport were closed.
     */
    public int freeFramesAfter()
    {
        return freeFramesAfter;
    }

    /**
     * @return frames the teardown did not give back (0 when the transport is correct).
     */
    public int framesLeaked()
    {
        return freeFramesBefore - freeFramesAfter;
    }

    /**
     * @return messages the sink saw out of sequence (0 when the transport keeps order and loses nothing).
     */
    public long sequenceErrors()
    {
        return sequenceErrors;
    }

    /**
     * @return the figures as lines of text, as the {@code pipeline} command prints them.
     */
    public String format()
    {
        final StringBuilder out = new StringBuilder(1024);
        out.append(String.format(Locale.ROOT, "pipeline  %s%n", pipeline));
        if (!completed)
        {
            out.append(String.format(Locale.ROOT, "WARNING: incomplete, the end of the stream did not reach the " +
                "sink in time; it received %d of %d messages%n", received, pipeline.messages()));
        }
        out.append(String.format(Locale.ROOT, "throughput  %,.0f msgs/s  %,.1f MB/s  (%d messages after %d " +
            "warm-up, %.3f s)%n", messagesPerSecond(), bytesPerSecond() / 1e6, measuredMessages, pipeline.warmup(),
            windowNanos / 1e9));
        out.append(String.format(Locale.ROOT, "latency one-way (us)  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  " +
            "max %.2f%n", micros(50), micros(90), micros(99), micros(99.9), latency.getMaxValue() / 1e3));
        out.append("cost counters per message (all domains, after warm-up):").append(System.lineSeparator());
        for (final CounterType type : CounterType.values())
        {
            out.append(String.format(Locale.ROOT, "  %-28s %14.3f%n", type.label(), counterPerMessage(type)));
        }
        if (copiedForwards != 0)
        {
            out.append(String.format(Locale.ROOT, "copied forwards  %d (stages between two transports)%n",
                copiedForwards));
        }
        out.append("bytes copied per message, by domain:");
        for (int d = 0; d < domains.length; d++)
        {
            out.append(String.format(Locale.ROOT, "  %s %.1f", domains[d], measuredMessages == 0 ? 0.0 :
                (double)domainCounterDeltas[d][CounterType.BYTES_COPIED.ordinal()] / measuredMessages));
        }
        out.append(System.lineSeparator());
        if (sequenceErrors != 0)
        {
            out.append(String.format(Locale.ROOT, "WARNING: %d messages arrived out of sequence%n", sequenceErrors));
        }
        if (framesLeaked() != 0)
        {
            out.append(String.format(Locale.ROOT, "WARNING: %d frames not returned after teardown " +
                "(free before %d, after %d)%n", framesLeaked(), freeFramesBefore, freeFramesAfter));
        }
        else
        {
            out.append(String.format(Locale.ROOT, "frames  all %d returned after teardown%n", freeFramesBefore));
        }
        return out.toString();
    }

    private double micros(final double percentile)
    {
        return latency.getValueAtPercentile(percentile) / 1e3;
    }
}
