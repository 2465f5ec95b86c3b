package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

/**
 * The sending end of an {@link LmpChannel}. The claimed buffer is the sender's own staging page (its "message
 * registers"); {@link #commit} traps into the kernel, which copies the words into the receiver's endpoint.
 * Not thread safe: one thread sends at a time. After a teardown on another thread the frames this end reaches (its
 * staging page, the endpoint and the consumer page) return at its next call, or at {@link #commit} if a claim is
 * outstanding ({@link AbstractNotifyChannel}, class comment).
 */
public final class LmpSender implements NotifySender
{
    private static final VarHandle THREAD = EndThreads.handle(LmpSender.class);

    private final LmpChannel channel;
    private final UnsafeBuffer staging;
    private boolean claimed;
    /** The thread of the last call; stored (volatile) only when it changes ({@link EndThreads}). */
    Thread thread;

    LmpSender(final LmpChannel channel, final UnsafeBuffer staging)
    {
        this.channel = channel;
        this.staging = staging;
    }

    @Override
    public Domain domain()
    {
        return channel.senderDomain;
    }

    @Override
    public MutableDirectBuffer buffer()
    {
        return staging;
    }

    /**
     * {@inheritDoc}
     *
     * @return 0 (the staging area's payload offset), or {@link Status#BACK_PRESSURED} if the endpoint is full.
     */
    @Override
    public int tryClaim()
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            // An outstanding claim's payload is still the user's to write: the frames wait for its commit.
            throw claimed ? channel.closedException("tryClaim") :
                channel.closedException(AbstractNotifyChannel.SENDER_END, "tryClaim");
        }
        if (claimed)
        {
            throw new IllegalStateException("a claim is outstanding: commit it before claiming again");
        }
        if (!channel.kernelHasRoom())
        {
            if (channel.state() != AbstractNotifyChannel.OPEN)
            {
                throw channel.closedException(AbstractNotifyChannel.SENDER_END, "tryClaim");
            }
            return Status.BACK_PRESSURED;
        }
        claimed = true;
        return 0;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void commit(final int type, final int length)
    {
        if (!claimed)
        {
            throw new IllegalStateException("commit without a claim");
        }
        UmpSender.checkTypeAndLength(type, length);
        claimed = false;
        enter();
        // The claim saw room and only this thread delivers, so the endpoint still has room.
        channel.kernelDeliver(type, length, LmpDescriptor.NO_FRAME, null);
    }

    /**
     * Gives up the outstanding claim.
     */
    public void abort()
    {
        claimed = false;
    }

    /**
     * Sends a message that names a frame: the kernel shares it with the receiver or transfers its ownership, maps it
     * at a fresh page of the receiver, and writes the reference into the endpoint entry ({@link LmpCapability}).
     *
     * @param type     message type.
     * @param src      payload source.
     * @param offset   first payload byte.
     * @param length   payload bytes, at most {@link #MAX_PAYLOAD_LENGTH}.
     * @param frame    a frame the sender owns.
     * @param transfer how to pass it.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (nothing passed then).
     */
    public int sendFrame(final int type, final DirectBuffer src, final int offset, final int length, final int frame,
        final FrameTransfer transfer)
    {
        if (frame < 0)
        {
            throw new IllegalArgumentException("frame=" + frame + " must not be negative");
        }
        UmpSender.checkTypeAndLength(type, length);
        final int at = tryClaim();
        if (at < 0)
        {
            return at;
        }
        claimed = false;
        staging.putBytes(at, src, offset, length);
        return channel.kernelDeliver(type, length, frame, transfer);
    }

    /** Records the calling thread before the call reads the state ({@link AbstractNotifyChannel}, step 2). */
    private void enter()
    {
        final Thread current = Thread.currentThread();
        if (thread != current)
        {
            // Volatile: a teardown that reads the old thread stored CLOSED before this call's state read sees it.
            THREAD.setVolatile(this, current);
        }
    }

    /** @return the thread of the last call, or null. */
    Thread lastThread()
    {
        return (Thread)THREAD.getVolatile(this);
    }

    @Override
    public String toString()
    {
        return "LmpSender[" + channel + "]";
    }
}
