package io.barge.core.notify;

import io.barge.core.Domain;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

import static io.barge.core.notify.LmpDescriptor.*;

/**
 * The receiving end of an {@link LmpChannel}: the endpoint buffer the kernel writes, read here through the
 * receiver's read-only mapping. After each message the receiver publishes its consumed count so the kernel can
 * reuse the entry. Not thread safe: one thread receives at a time (the waitset delivers the receive event to one
 * thread). After a teardown on another thread the frames this end reaches (the endpoint and the consumer page)
 * return at its next {@link #poll} or {@link #hasMessage} ({@link AbstractNotifyChannel}, class comment).
 */
public final class LmpEndpoint implements NotifyReceiver
{
    private static final VarHandle THREAD = EndThreads.handle(LmpEndpoint.class);
    private static final FrameTransfer[] TRANSFERS = FrameTransfer.values();

    private final LmpChannel channel;
    private final UnsafeBuffer endpoint;
    private final UnsafeBuffer consumer;
    private final int mask;
    private final int slotShift;
    private final LmpCapability capability = new LmpCapability();
    private final WaitsetChannel receiveChannel;
    private NotifyHandler notifyHandler;
    private final LmpHandler adapter = this::onAdapted;
    private long position;
    /** The thread of the last call; stored (volatile) only when it changes ({@link EndThreads}). */
    Thread thread;

    LmpEndpoint(final LmpChannel channel, final UnsafeBuffer endpoint, final UnsafeBuffer consumer, final int slots)
    {
        this.channel = channel;
        this.endpoint = endpoint;
        this.consumer = consumer;
        this.mask = slots - 1;
        this.slotShift = Integer.numberOfTrailingZeros(slots);
        this.receiveChannel = new WaitsetChannel("lmp-rx " + channel);
    }

    @Override
    public Domain domain()
    {
        return channel.receiverDomain;
    }

    /**
     * {@inheritDoc}
     * <p>
     * A frame reference in a message is ignored here; use {@link #poll(LmpHandler, int)} to see it.
     */
    @Override
    public int poll(final NotifyHandler handler, final int limit)
    {
        notifyHandler = handler;
        try
        {
            return poll(adapter, limit);
        }
        finally
        {
            notifyHandler = null;
        }
    }

    /**
     * Delivers up to {@code limit} messages with their capability slots.
     *
     * @param handler called once per message.
     * @param limit   most messages.
     * @return messages delivered.
     */
    public int poll(final LmpHandler handler, final int limit)
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            throw channel.closedException(AbstractNotifyChannel.RECEIVER_END, "poll");
        }
        int delivered = 0;
        while (delivered < limit)
        {
            final long position = this.position;
            final int offset = entryOffset((int)position & mask);
            // Acquire: seeing this lap's epoch means seeing the words the kernel wrote before it.
            final long control = endpoint.getLongAcquire(offset + CONTROL_OFFSET);
            if (UmpDescriptor.epoch(control) != UmpDescriptor.epochFor(position, slotShift))
            {
                break;
            }
            if (!UmpDescriptor.isWellFormed(control) || UmpDescriptor.sequence(control) != (int)position)
            {
                if (channel.state() != AbstractNotifyChannel.OPEN)
                {
                    // closed during this poll: discarded memory now
                    throw channel.closedException(AbstractNotifyChannel.RECEIVER_END, "poll");
                }
                throw channel.violation(domain(), "LMP corrupt endpoint entry 0x" + Long.toHexString(control) +
                    " at sequence " + position);
            }
            readCapability(offset);
            this.position = position + 1;
            delivered++;
            handler.onMessage(UmpDescriptor.type(control), endpoint, offset + PAYLOAD_OFFSET,
                UmpDescriptor.length(control), capability);
            // Release: the kernel that sees this count may overwrite the entry we have finished reading.
            consumer.putLongRelease(CONSUMED_OFFSET, position + 1);
        }
        return delivered;
    }

    private void onAdapted(
        final int type, final org.agrona.DirectBuffer buffer, final int offset, final int length,
        final LmpCapability cap)
    {
        notifyHandler.onNotify(type, buffer, offset, length);
    }

    private void readCapability(final int offset)
    {
        final int frame = endpoint.getInt(offset + CAP_FRAME_OFFSET);
        capability.frame = frame;
        if (frame == NO_FRAME)
        {
            capability.kind = null;
            capability.rights = 0;
            capability.address = 0;
        }
        else
        {
            final int kind = endpoint.getShort(offset + CAP_KIND_OFFSET);
            capability.kind = kind >= 0 && kind < TRANSFERS.length ? TRANSFERS[kind] : null;
            capability.rights = endpoint.getShort(offset + CAP_RIGHTS_OFFSET);
            capability.address = endpoint.getLong(offset + CAP_ADDRESS_OFFSET);
        }
    }

    /**
     * @return whether a message is waiting.
     */
    public boolean hasMessage()
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            channel.endQuiescent(AbstractNotifyChannel.RECEIVER_END);
            return true; // let the handler run poll(), which reports the closed channel
        }
        final long control = endpoint.getLongAcquire(entryOffset((int)position & mask) + CONTROL_OFFSET);
        return UmpDescriptor.epoch(control) == UmpDescriptor.epochFor(position, slotShift);
    }

    /**
     * The event channel the kernel triggers when it delivers a message.
     *
     * @return the receive channel.
     */
    public WaitsetChannel receiveChannel()
    {
        return receiveChannel;
    }

    /**
     * Registers a single-shot handler for the next message(s); if a message is already waiting the channel becomes
     * pending at once, so no wake-up is lost between a handler's last poll and its re-registration.
     *
     * @param waitset the waitset that runs the handler (or, in synchronous mode, the sender's thread runs it).
     * @param handler typically polls this endpoint and registers again.
     */
    @Override
    public void registerReceive(final Waitset waitset, final Runnable handler)
    {
        receiveChannel.register(waitset, handler);
        if (hasMessage())
        {
            receiveChannel.trigger();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean cancelReceive()
    {
        return receiveChannel.cancel();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void wakeReceive()
    {
        receiveChannel.trigger();
    }

    /**
     * @return messages consumed so far.
     */
    public long position()
    {
        return position;
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
        return "LmpEndpoint[" + channel + ", position=" + position + "]";
    }
}
