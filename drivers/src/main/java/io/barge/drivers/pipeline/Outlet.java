package io.barge.drivers.pipeline;

import io.barge.core.Domain;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;

/**
 * A stage's way out: the sending end of the next hop. {@link #forward} hands a received message on, without
 * copying when both hops belong to one transport (one I/O path, e.g. fbufs buffers set up along it) and by one
 * kernel-counted copy into a claim of the next transport when they differ (a transport cannot forward memory it
 * does not manage). {@link #tryClaim}, {@link #claim()} and {@link #commit()} send a message the stage writes
 * itself (a transformation). Not thread safe: used by the stage's thread only.
 */
public final class Outlet
{
    private final Sender sender;
    private final Domain domain;
    private final Claim claim;
    private final boolean sameTransport;
    private long copiedForwards;

    Outlet(final Sender sender, final boolean sameTransport)
    {
        this.sender = sender;
        this.domain = sender.domain();
        this.claim = sender.newClaim();
        this.sameTransport = sameTransport;
    }

    /**
     * Passes a held message on to the next hop; on {@link Status#OK} it has been released from the inbound hop.
     *
     * @param message a held message this stage's domain received.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (nothing sent, the message still held).
     */
    public int forward(final Message message)
    {
        return sameTransport ? sender.forward(message) : copyForward(message);
    }

    private int copyForward(final Message message)
    {
        final int length = message.length();
        final int status = sender.tryClaim(length, claim);
        if (status != Status.OK)
        {
            return status;
        }
        try
        {
            long done = 0;
            for (int i = 0, n = message.pieceCount(); i < n; i++)
            {
                final int piece = message.pieceLength(i);
                // The bytes stay in this domain: from where the inbound transport mapped them to the claim.
                domain.kernel().copy(domain, domain, message.pieceAddress(i), domain, claim.address() + done, piece);
                done += piece;
            }
        }
        catch (final RuntimeException ex)
        {
            sender.abort(claim);
            throw ex;
        }
        sender.commit(claim);
        message.source().release(message);
        copiedForwards++;
        return Status.OK;
    }

    /**
     * Claims a buffer on the next hop for a message this stage writes.
     *
     * @param length message length, at least {@link PipelineMessageDescriptor#HEADER_LENGTH} if the sink is to
     *               read the header.
     * @return {@link Status#OK} ({@link #claim()} is then active) or {@link Status#BACK_PRESSURED}.
     */
    public int tryClaim(final int length)
    {
        return sender.tryClaim(length, claim);
    }

    /**
     * @return the claim flyweight {@link #tryClaim} points at the buffer.
     */
    public Claim claim()
    {
        return claim;
    }

    /**
     * Sends the active claim.
     */
    public void commit()
    {
        sender.commit(claim);
    }

    /**
     * Gives the active claim back unsent.
     */
    public void abort()
    {
        sender.abort(claim);
    }

    /**
     * @return whether {@link #forward} hands memory on without copying (both hops on one transport).
     */
    public boolean forwardsWithoutCopy()
    {
        return sameTransport;
    }

    /**
     * @return the domain this outlet sends from.
     */
    public Domain domain()
    {
        return domain;
    }

    /**
     * @return the largest message the next hop carries.
     */
    public int maxMessageLength()
    {
        return sender.maxMessageLength();
    }

    long copiedForwards()
    {
        return copiedForwards;
    }

    void abortIfActive()
    {
        if (claim.isActive())
        {
            sender.abort(claim);
        }
    }

    void finish()
    {
        sender.finish();
    }
}
