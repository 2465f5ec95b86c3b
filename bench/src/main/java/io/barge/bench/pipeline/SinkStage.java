package io.barge.bench.pipeline;

import io.barge.core.AddressSpace;
import io.barge.core.ProtectionFault;
import io.barge.core.SystemCounters;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.Agent;

/**
 * The last domain: polls, reads the header, optionally touches every byte, records the one-way latency, checks the
 * sequence and releases. At the first message after the warm-up it snapshots the cost counters and starts the
 * measurement window; after the last message it completes the run.
 */
final class SinkStage implements Agent
{
    private static final int BURST = 32;

    private final Receiver receiver;
    private final AddressSpace space;
    private final Message message;
    private final RunControl control;
    private final Histogram latency;
    private final long messages;
    private final long warmup;
    private final boolean touch;
    private final long highestLatency;
    private final SystemCounters counters;
    private final long[] countersAtWarmupEnd;

    private long received;
    private long expectedSequence;
    private long sequenceErrors;
    private long measuredBytes;
    private long windowStartNs;
    private long windowEndNs;
    private long checksum;

    SinkStage(final Receiver receiver, final PipelineConfig config, final RunControl control, final Histogram latency,
        final SystemCounters counters, final long[] countersAtWarmupEnd)
    {
        this.counters = counters;
        this.countersAtWarmupEnd = countersAtWarmupEnd;
        this.receiver = receiver;
        this.space = receiver.domain().addressSpace();
        this.message = receiver.newMessage();
        this.control = control;
        this.latency = latency;
        this.messages = config.messages();
        this.warmup = config.warmup();
        this.touch = config.touch();
        this.highestLatency = latency.getHighestTrackableValue();
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed())
        {
            return 0;
        }
        int work = 0;
        while (work < BURST && received < messages)
        {
            if (receiver.poll(message) != Status.OK)
            {
                break;
            }
            final long now = System.nanoTime();
            onMessage(now);
            receiver.release(message);
            work++;
            if (received == messages)
            {
                windowEndNs = now;
                control.complete();
            }
        }
        return work;
    }

    private void onMessage(final long now)
    {
        final long sentAt = readHeader(PipelineMessageDescriptor.TIMESTAMP_OFFSET);
        final long sequence = readHeader(PipelineMessageDescriptor.SEQUENCE_OFFSET);
        if (sequence != expectedSequence)
        {
            sequenceErrors++; // a gap counts once, and so does each late message
        }
        expectedSequence = Math.max(expectedSequence, sequence + 1);
        if (touch)
        {
            checksum += message.touch();
        }
        if (received >= warmup)
        {
            if (received == warmup)
            {
                windowStartNs = sentAt;
                if (warmup > 0)
                {
                    // Once per run: the cost counters from here on are the steady state's (caches filled).
                    counters.totals(countersAtWarmupEnd);
                }
            }
            latency.recordValue(Math.max(0, Math.min(now - sentAt, highestLatency)));
            measuredBytes += message.length();
        }
        received++;
    }

    private long readHeader(final int offset)
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

    long checksum()
    {
        return checksum;
    }

    @Override
    public String roleName()
    {
        return "sink:" + receiver.domain().name();
    }
}
