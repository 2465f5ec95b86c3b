package io.barge.drivers.pipeline;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.Agent;

/**
 * The first domain: claims a buffer, lets the {@link MessageWriter} fill the payload, stamps the header (sequence,
 * then the send time last, so latency covers every queue on the path) and commits; a burst per duty cycle. After
 * the last message it finishes the stream.
 */
final class SourceAgent implements Agent
{
    private static final int BURST = 32;

    private final Sender sender;
    private final Claim claim;
    private final MessageWriter writer;
    private final RunControl control;
    private final long messages;
    private final int length;
    private long sent;
    private volatile long backPressures;
    private boolean finished;

    SourceAgent(final Sender sender, final MessageWriter writer, final long messages, final int length,
        final RunControl control)
    {
        this.sender = sender;
        this.claim = sender.newClaim();
        this.writer = writer;
        this.messages = messages;
        this.length = length;
        this.control = control;
    }

    @Override
    public int doWork()
    {
        if (control.hasFailed() || finished)
        {
            return 0;
        }
        try
        {
            return send();
        }
        catch (final RuntimeException ex)
        {
            control.fail(roleName(), ex);
            return 0;
        }
    }

    private int send()
    {
        int work = 0;
        while (work < BURST && sent < messages)
        {
            if (sender.tryClaim(length, claim) != Status.OK)
            {
                backPressures = backPressures + 1; // single writer: this thread
                return work;
            }
            writer.write(claim, sent);
            claim.putLong(PipelineMessageDescriptor.SEQUENCE_OFFSET, sent);
            claim.putLong(PipelineMessageDescriptor.TIMESTAMP_OFFSET, System.nanoTime());
            sender.commit(claim);
            sent++;
            work++;
        }
        if (sent == messages)
        {
            sender.finish();
            finished = true;
            work++;
        }
        return work;
    }

    @Override
    public void onClose()
    {
        if (claim.isActive())
        {
            sender.abort(claim); // a writer that threw left its claim: give the buffer back
        }
    }

    /**
     * @return duty cycles that found the first hop full; read from any thread.
     */
    long backPressures()
    {
        return backPressures;
    }

    @Override
    public String roleName()
    {
        return "source:" + sender.domain().name();
    }
}
