package io.barge.bench.pipeline;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.Agent;

/**
 * The first domain of a pipeline: claims a buffer, writes the header (timestamp and sequence, and every byte with
 * fill on), commits. Sends a burst per duty cycle, stops at the configured count.
 */
final class SourceStage implements Agent
{
    private static final int BURST = 32;
    private static final byte FILL_BYTE = (byte)0x5A;

    private final Sender sender;
    private final Claim claim;
    private final RunControl control;
    private final long messages;
    private final int size;
    private final boolean fill;
    private long sent;

    SourceStage(final Sender sender, final PipelineConfig config, final RunControl control)
    {
        this.sender = sender;
        this.claim = sender.newClaim();
        this.control = control;
        this.messages = config.messages();
        this.size = config.size();
        this.fill = config.fill();
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed())
        {
            return 0;
        }
        int work = 0;
        while (work < BURST && sent < messages)
        {
            if (sender.tryClaim(size, claim) != Status.OK)
            {
                break;
            }
            if (fill)
            {
                claim.setMemory(PipelineMessageDescriptor.HEADER_LENGTH,
                    size - PipelineMessageDescriptor.HEADER_LENGTH, FILL_BYTE);
            }
            claim.putLong(PipelineMessageDescriptor.SEQUENCE_OFFSET, sent);
            claim.putLong(PipelineMessageDescriptor.TIMESTAMP_OFFSET, System.nanoTime());
            sender.commit(claim);
            sent++;
            work++;
        }
        return work;
    }

    /**
     * @return messages committed so far.
     */
    long sent()
    {
        return sent;
    }

    @Override
    public String roleName()
    {
        return "source:" + sender.domain().name();
    }
}
