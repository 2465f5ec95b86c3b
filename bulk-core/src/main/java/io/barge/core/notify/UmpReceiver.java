package io.barge.core.notify;

import io.barge.core.Domain;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

import static io.barge.core.notify.UmpDescriptor.*;

/** Padding before the receiver's hot fields. */
abstract class UmpReceiverLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** The receiver's hot fields, written only by the receiving thread. */
abstract class UmpReceiverFields extends UmpReceiverLhsPad
{
    /** Messages consumed; the next expected sequence id. */
    long position;
    /** Consumed count last written to the ack word. */
    long lastAck;
    /** The thread of the last call; stored (volatile) only when it changes ({@link EndThreads}). */
    Thread thread;
}

/** Padding after the hot fields. */
abstract class UmpReceiverRhsPad extends UmpReceiverFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;
}

/**
 * The receiving end of a {@link UmpChannel}: polls the control word of the slot at its read position.
 * <p>
 * Ack rule: the receiver writes its consumed count to the ack word whenever it has consumed
 * {@code ackInterval = max(1, slots / 4)} messages since the last ack. The ack therefore lags the consumed count by
 * less than {@code ackInterval}, so once the receiver has caught up the sender sees at least
 * {@code slots - ackInterval + 1} free slots: the sender is never stuck behind a receiver that has drained the
 * ring, and acks cost one store per quarter ring.
 * <p>
 * Not thread safe: one thread polls at a time (a waitset's dispatching threads take turns through the waitset).
 * After a teardown on another thread the frames this end reaches return at its next {@link #poll} or
 * {@link #hasMessage} ({@link AbstractNotifyChannel}, class comment).
 */
public final class UmpReceiver extends UmpReceiverRhsPad implements NotifyReceiver
{
    private static final VarHandle THREAD = EndThreads.handle(UmpReceiverFields.class);
    /** Control-word bits whose value a well-formed message at a known position fixes: epoch, reserved, sequence. */
    private static final long FIXED_MASK = EPOCH_BIT | RESERVED_MASK | SEQUENCE_MASK;

    private final UmpChannel channel;
    private final Domain domain;
    private final UnsafeBuffer ring;
    private final UnsafeBuffer ack;
    private final int mask;
    private final int slotShift;
    private final int ackInterval;
    private final WaitsetChannel receiveChannel;
    private final java.util.function.BooleanSupplier hasMessage = this::hasMessage;

    UmpReceiver(final UmpChannel channel, final UnsafeBuffer ring, final UnsafeBuffer ack, final int slots)
    {
        this.channel = channel;
        this.domain = channel.receiverDomain;
        this.ring = ring;
        this.ack = ack;
        this.mask = slots - 1;
        this.slotShift = Integer.numberOfTrailingZeros(slots);
        this.ackInterval = Math.max(1, slots / 4);
        this.receiveChannel = new WaitsetChannel("ump-rx " + channel);
    }

    @Override
    public Domain domain()
    {
        return domain;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int poll(final NotifyHandler handler, final int limit)
    {
        enter();
        // Volatile, once per poll, after enter(): with the teardown's CLOSED store and its read of our thread it
        // forms the Dekker pair that keeps frames we may still read from being freed (AbstractNotifyChannel, 2-3).
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            throw channel.closedException(AbstractNotifyChannel.RECEIVER_END, "poll");
        }
        final UnsafeBuffer ring = this.ring;
        final int mask = this.mask;
        final int slotShift = this.slotShift;
        long position = this.position;
        int delivered = 0;
        try
        {
            while (delivered < limit)
            {
                final int offset = slotOffset((int)position & mask);
                // Acquire: seeing this lap's epoch means seeing the payload the sender wrote before it.
                final long control = ring.getLongAcquire(offset + CONTROL_OFFSET);
                // One compare for the common case: this lap's epoch, reserved bits zero, the expected sequence id.
                if ((control & FIXED_MASK) != (epochFor(position, slotShift) | (position & SEQUENCE_MASK)) ||
                    length(control) > PAYLOAD_LENGTH)
                {
                    if (epoch(control) != epochFor(position, slotShift))
                    {
                        break;
                    }
                    validate(control, position);
                }
                position++;
                delivered++;
                handler.onNotify(type(control), ring, offset + PAYLOAD_OFFSET, length(control));
                if (position - lastAck >= ackInterval)
                {
                    acknowledge(position);
                }
            }
        }
        finally
        {
            // Also when a handler throws: the message it was given counts as consumed.
            this.position = position;
        }
        return delivered;
    }

    private void validate(final long control, final long position)
    {
        if ((!isWellFormed(control) || sequence(control) != (int)position) &&
            channel.state() != AbstractNotifyChannel.OPEN)
        {
            // A handler closed the channel (or a peer died) during this poll: the view shows discarded memory now.
            throw channel.closedException(AbstractNotifyChannel.RECEIVER_END, "poll");
        }
        if (!isWellFormed(control))
        {
            throw channel.violation(domain, "UMP corrupt control word 0x" + Long.toHexString(control) +
                " at sequence " + position + ": reserved bits must be zero and length <= " + PAYLOAD_LENGTH);
        }
        if (sequence(control) != (int)position)
        {
            throw channel.violation(domain, "UMP impossible sequence id " + Integer.toUnsignedString(
                sequence(control)) + ", expected " + ((int)position & 0xFFFF_FFFFL));
        }
    }

    private void acknowledge(final long consumed)
    {
        // Release: the sender that reads this ack may overwrite the slots whose reads happened before it.
        ack.putLongRelease(ACK_OFFSET, consumed);
        lastAck = consumed;
    }

    /**
     * @return whether a message is waiting at the read position (a cheap peek for polled waitset channels; the
     *         message is validated when polled).
     */
    public boolean hasMessage()
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            channel.endQuiescent(AbstractNotifyChannel.RECEIVER_END);
            return true; // let the poller run poll(), which reports the closed channel
        }
        final long position = this.position;
        // Plain: only a hint, no payload is read on it; poll() reads the control word again with acquire. The
        // volatile state read above keeps a caller's loop from hoisting this load.
        final long control = ring.getLong(slotOffset((int)position & mask) + CONTROL_OFFSET);
        return epoch(control) == epochFor(position, slotShift);
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

    /**
     * The polled event channel for this ring.
     *
     * @return the receive channel.
     */
    public WaitsetChannel receiveChannel()
    {
        return receiveChannel;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void registerReceive(final Waitset waitset, final Runnable handler)
    {
        receiveChannel.registerPolled(waitset, handler, hasMessage);
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

    @Override
    public String toString()
    {
        return "UmpReceiver[" + channel + ", position=" + position + "]";
    }
}
