package io.barge.drivers.pipeline;

import io.barge.core.AddressSpace;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.Agent;

/**
 * The last domain: a handler poll of its inbound hop; for each message it reads the header, checks the sequence,
 * records the one-way latency, and hands the message to the user's consumer. At the first message after the
 * warm-up it snapshots the cost counters and starts the measurement window; at the end of the stream it completes
 * the run.
 */
final class SinkAgent implements Agent, MessageHandler
{
    private static final int BURST = 32;

    private final String name;
    private final Receiver receiver;
    private final AddressSpace space;
    private final MessageHandler consumer;
    private final RunControl control;
    private final Histogram latency;
    private final long warmup;
    private final long highestLatency;
    private final Runnable onWarmupEnd;

    private long received;
    private long expectedSequence;
    private long sequenceErrors;
    private long measuredBytes;
    private long windowStartNs;
    private long windowEndNs;
    private volatile boolean ended;

    SinkAgent(final String name, final Receiver receiver, final MessageHandler consumer, final long warmup,
        final Histogram latency, final Runnable onWarmupEnd, final RunControl control)
    {
        this.name = name;
        this.receiver = receiver;
        this.space = receiver.domain().addressSpace();
        this.consumer = consumer;
        this.warmup = warmup;
        this.latency = latency;
        this.highestLatency = latency.getHighestTrackableValue();
        this.onWarmupEnd = onWarmupEnd;
        this.control = control;
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed() || ended)
        {
            return 0;
        }
        try
        {
            final int delivered = receiver.poll(this, BURST);
            if (delivered == Status.END_OF_STREAM)
            {
                ended = true;
                control.complete();
                return 1;
            }
            return delivered;
        }
        catch (final RuntimeException ex)
        {
            control.fail(roleName(), ex);
            return 0;
        }
    }

    @Override
    public void onMessage(final Message message)
    {
        final long now = System.nanoTime();
        final long sentAt = readHeader(message, PipelineMessageDescriptor.TIMESTAMP_OFFSET);
        final long sequence = readHeader(message, PipelineMessageDescriptor.SEQUENCE_OFFSET);
        if (sequence != expectedSequence)
        {
            sequenceErrors++; // a gap counts once, and so does each late message
        }
        expectedSequence = Math.max(expectedSequence, sequence + 1);
        if (received >= warmup)
        {
            if (received == warmup)
            {
                windowStartNs = sentAt;
                if (warmup > 0)
                {
                    onWarmupEnd.run(); // once per run: counters from here on are the steady state's
                }
            }
            latency.recordValue(Math.max(0, Math.min(now - sentAt, highestLatency)));
            measuredBytes += message.length();
            windowEndNs = now;
        }
        received++;
        consumer.onMessage(message);
    }

    private long readHeader(final Message message, final int offset)
    {
        // Fast path: the header sits in the first piece; a translated read, as the domain's own code would do.
        if (message.pieceCount() > 0 && message.pieceLength(0) >= PipelineMessageDescriptor.HEADER_LENGTH)
        {
            try
            {
                return space.getLong(message.pieceAddress(0) + offset);
            }
            catch (final ProtectionFault fault)
            {
                // Fall through: the message decides whether an unreadable byte faults or reads as zero.
            }
        }
        return message.getLong(offset);
    }

    boolean ended()
    {
        return ended;
    }

    long received()
    {
        return received;
    }

    long sequenceErrors()
    {
        return sequenceErrors;
    }

    long measuredBytes()
    {
        return measuredBytes;
    }

    long windowNanos()
    {
        return windowEndNs - windowStartNs;
    }

    @Override
    public String roleName()
    {
        return "sink:" + name;
    }
}
