package io.barge.bench.pipeline;

import io.barge.core.CounterType;
import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * The figures of one {@link Pipeline} run. Throughput, latency and the cost counters cover the messages after the
 * warm-up: the counters' "before" snapshot is taken when the sink reaches the first measured message (so caches
 * filled during the warm-up are not charged), the "after" one when every stage has stopped, before teardown. Costs
 * of the few messages in flight at the first snapshot are split across it, an error of at most
 * (capacity x hops) / measured messages.
 */
public final class PipelineResult
{
    private final PipelineConfig config;
    private final String transport;
    private final boolean completed;
    private final long received;
    private final long measuredMessages;
    private final long measuredBytes;
    private final long windowNanos;
    private final Histogram latency;
    private final long[] counterDeltas;
    private final int freeFramesBefore;
    private final int freeFramesAfter;
    private final long sequenceErrors;
    private final long checksum;

    PipelineResult(final PipelineConfig config, final String transport, final boolean completed, final SinkStage sink,
        final Histogram latency, final long[] counterDeltas, final int freeFramesBefore, final int freeFramesAfter)
    {
        this.config = config;
        this.transport = transport;
        this.completed = completed;
        this.received = sink.received();
        this.measuredMessages = Math.max(0, sink.received() - config.warmup());
        this.measuredBytes = sink.measuredBytes();
        this.windowNanos = completed ? sink.windowNanos() : 0;
        this.latency = latency;
        this.counterDeltas = counterDeltas.clone();
        this.freeFramesBefore = freeFramesBefore;
        this.freeFramesAfter = freeFramesAfter;
        this.sequenceErrors = sink.sequenceErrors();
        this.checksum = sink.checksum();
    }

    /**
     * @return the configuration that ran.
     */
    public PipelineConfig config()
    {
        return config;
    }

    /**
     * @return the transport with its option values, e.g. {@code copy} or {@code fbufs[cached=true,...]}.
     */
    public String transport()
    {
        return transport;
    }

    /**
     * @return whether the sink received every message before the timeout.
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
     * @return how much it grew during the measurement (after the warm-up), summed over every domain.
     */
    public long counterDelta(final CounterType type)
    {
        return counterDeltas[type.ordinal()];
    }

    /**
     * @param type a counter type.
     * @return its growth during the measurement divided by the measured messages.
     */
    public double counterPerMessage(final CounterType type)
    {
        return measuredMessages == 0 ? 0 : (double)counterDeltas[type.ordinal()] / measuredMessages;
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
     * @return sum of the touched bytes (0 without touch); keeps the reads observable.
     */
    public long checksum()
    {
        return checksum;
    }

    /**
     * @return the figures as lines of text, as the {@code pipeline} command prints them.
     */
    public String format()
    {
        final StringBuilder out = new StringBuilder(1024);
        out.append(String.format(Locale.ROOT, "pipeline  %s over %s%n", config, transport));
        if (!completed)
        {
            out.append(String.format(Locale.ROOT, "WARNING: incomplete, the sink received %d of %d messages%n",
                received, config.messages()));
        }
        out.append(String.format(Locale.ROOT, "throughput  %,.0f msgs/s  %,.1f MB/s  (%d messages after %d " +
            "warm-up, %.3f s)%n", messagesPerSecond(), bytesPerSecond() / 1e6, measuredMessages, config.warmup(),
            windowNanos / 1e9));
        out.append(String.format(Locale.ROOT, "latency one-way (us)  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  " +
            "max %.2f%n", micros(50), micros(90), micros(99), micros(99.9), latency.getMaxValue() / 1e3));
        out.append("cost counters per message (all domains, after warm-up):").append(System.lineSeparator());
        for (final CounterType type : CounterType.values())
        {
            out.append(String.format(Locale.ROOT, "  %-28s %14.3f%n", type.label(), counterPerMessage(type)));
        }
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
