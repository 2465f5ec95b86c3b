package io.barge.core.notify;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

import static io.barge.core.notify.UmpDescriptor.*;

/** Padding before the sender's hot fields (JCTools style): keeps them off lines other objects write. */
abstract class UmpSenderLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** The sender's hot fields, written only by the sending thread. */
abstract class UmpSenderFields extends UmpSenderLhsPad
{
    /** Messages published so far; the next message's number. */
    long position;
    /** Last acknowledged count read from the ack word. */
    long cachedAck;
    /** Offset of the claimed slot, or -1. */
    int claimedOffset = -1;
    /** Messages sent but not yet added to the domain's counter. */
    int uncounted;
    /** The thread of the last call; stored (volatile) only when it changes ({@link EndThreads}). */
    Thread thread;
}

/** Padding after the hot fields. */
abstract class UmpSenderRhsPad extends UmpSenderFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;
}

/**
 * The sending end of a {@link UmpChannel}: writes a slot's payload, then its control word with release. It reads
 * the receiver's ack word only when its cached copy says the ring is full (Agrona {@code OneToOneRingBuffer}'s head
 * cache habit), so in steady state the only cache lines that move are the slots themselves.
 * <p>
 * {@link CounterType#NOTIFICATIONS_SENT} is counted on the sender domain in batches of {@link #COUNT_BATCH}, and
 * whenever the sender is back-pressured, on {@link #publishCount()} and on close: the domain counter is an atomic add
 * on a shared off-heap word, which would otherwise be the most expensive instruction of a send (measured on the
 * 2-vCPU development box, one thread sending 128 then receiving 128: about 8-13 ns a message batched against
 * 10-20 ns counting each; noisy, shared machine). A reader that needs the exact count calls {@link #publishCount()}
 * from the sending thread, or closes the channel.
 * <p>
 * Not thread safe: one thread sends at a time (hand it to another thread with a happens-before edge, between a
 * commit or abort and the next claim: the payload and the commit of a claim belong to the thread that claimed, which
 * the claim records). After a teardown on another thread the frames this end reaches return at its next call, or at
 * {@link #commit} if a claim is outstanding ({@link AbstractNotifyChannel}, class comment).
 */
public final class UmpSender extends UmpSenderRhsPad implements NotifySender
{
    /** Messages counted locally before they are added to the domain's counter. */
    public static final int COUNT_BATCH = 64;

    private static final VarHandle THREAD = EndThreads.handle(UmpSenderFields.class);

    private final UmpChannel channel;
    private final Domain domain;
    private final UnsafeBuffer ring;
    private final UnsafeBuffer ack;
    private final int slots;
    private final int mask;
    private final int slotShift;

    UmpSender(final UmpChannel channel, final UnsafeBuffer ring, final UnsafeBuffer ack, final int slots)
    {
        this.channel = channel;
        this.domain = channel.senderDomain;
        this.ring = ring;
        this.ack = ack;
        this.slots = slots;
        this.mask = slots - 1;
        this.slotShift = Integer.numberOfTrailingZeros(slots);
    }

    @Override
    public Domain domain()
    {
        return domain;
    }

    @Override
    public MutableDirectBuffer buffer()
    {
        return ring;
    }

    /**
     * {@inheritDoc}
     *
     * @return the payload offset of the claimed slot, or {@link Status#BACK_PRESSURED} if the receiver has not
     *         acknowledged enough slots.
     */
    @Override
    public int tryClaim()
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            throw closed("tryClaim");
        }
        if (claimedOffset >= 0)
        {
            throw new IllegalStateException("a claim is outstanding at offset=" + claimedOffset +
                ": commit it before claiming again");
        }
        final long position = this.position;
        if (position - cachedAck >= slots && !refreshAck(position))
        {
            return backPressured("tryClaim");
        }
        final int offset = slotOffset((int)position & mask);
        claimedOffset = offset;
        return offset;
    }

    /** The ring is full: the count goes out now (the sender may idle), unless the channel was torn down meanwhile. */
    private int backPressured(final String what)
    {
        publishCount();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            throw closed(what); // torn down since the state check: the ack view may be discarded
        }
        return Status.BACK_PRESSURED;
    }

    private boolean refreshAck(final long position)
    {
        // Acquire: the receiver released the ack after its reads of those slots, so reusing them is safe.
        final long acked = ack.getLongAcquire(ACK_OFFSET);
        if (acked > position || acked < cachedAck)
        {
            if (channel.state() != AbstractNotifyChannel.OPEN)
            {
                return false; // a teardown re-pointed the view at private zeros: not the receiver's doing
            }
            throw channel.violation(domain, "UMP ack=" + acked + " impossible: sent=" + position +
                ", previous ack=" + cachedAck);
        }
        cachedAck = acked;
        return position - acked < slots;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void commit(final int type, final int length)
    {
        final int offset = claimedOffset;
        if (offset < 0)
        {
            throw new IllegalStateException("commit without a claim");
        }
        // No enter(): the claim recorded this thread, and a claim is committed on the thread that made it.
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            // Torn down since the claim (a peer died): the ring stays pinned until now, and is freed by this call.
            claimedOffset = -1;
            throw channel.closedException(AbstractNotifyChannel.SENDER_END, "commit");
        }
        checkTypeAndLength(type, length);
        final long position = this.position;
        // Release: a receiver that sees this control word (its epoch) sees the payload written before it.
        ring.putLongRelease(offset + CONTROL_OFFSET, encodeControl(epochFor(position, slotShift), type, length,
            (int)position));
        this.position = position + 1;
        claimedOffset = -1;
        if (++uncounted >= COUNT_BATCH)
        {
            publishCount();
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * One pass instead of {@link #tryClaim()}, a copy and {@link #commit}: the arguments are checked before anything
     * is claimed, and the calling thread and the channel state are checked once per message, not twice. A teardown
     * on another thread after that state check is the same race as one between a claim's state check and its
     * commit's store: the store lands in a frame still pinned for this end, or in the discarded view, and this end's
     * next call throws ChannelClosedException and returns the frames ({@link AbstractNotifyChannel}, class comment).
     */
    @Override
    public int offer(final int type, final DirectBuffer src, final int offset, final int length)
    {
        checkTypeAndLength(type, length);
        enter();
        // Volatile, once per message, after enter(): the Dekker pair with a teardown's CLOSED store and its read of
        // our thread (AbstractNotifyChannel, steps 2-3); an L1 hit on a line nobody writes while the channel is open.
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            throw closed("offer");
        }
        if (claimedOffset >= 0)
        {
            throw new IllegalStateException("a claim is outstanding at offset=" + claimedOffset +
                ": commit or abort it before an offer");
        }
        final long position = this.position;
        if (position - cachedAck >= slots && !refreshAck(position))
        {
            return backPressured("offer");
        }
        final UnsafeBuffer ring = this.ring;
        final int slot = slotOffset((int)position & mask);
        putPayload(ring, slot, src, offset, length);
        // Release: a receiver that sees this control word (its epoch) sees the payload written before it.
        ring.putLongRelease(slot + CONTROL_OFFSET, encodeControl(epochFor(position, slotShift), type, length,
            (int)position));
        this.position = position + 1;
        if (++uncounted >= COUNT_BATCH)
        {
            publishCount();
        }
        return Status.OK;
    }

    /**
     * Gives up the outstanding claim; nothing is published.
     */
    public void abort()
    {
        claimedOffset = -1;
    }

    /**
     * Adds the messages sent since the last call to the domain's {@link CounterType#NOTIFICATIONS_SENT}.
     */
    public void publishCount()
    {
        final int n = uncounted;
        if (n > 0)
        {
            uncounted = 0;
            domain.count(CounterType.NOTIFICATIONS_SENT, n);
        }
    }

    /**
     * @return messages published so far.
     */
    public long position()
    {
        return position;
    }

    /**
     * @return whether a claim now would find room (reads the ack word if the cached one says full).
     */
    public boolean hasRoom()
    {
        enter();
        if (channel.state() != AbstractNotifyChannel.OPEN)
        {
            if (claimedOffset < 0)
            {
                channel.endQuiescent(AbstractNotifyChannel.SENDER_END);
            }
            return false;
        }
        final long position = this.position;
        return position - cachedAck < slots || refreshAck(position);
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

    private RuntimeException closed(final String what)
    {
        // An outstanding claim's payload is still the user's to write: the frames wait for its commit.
        return claimedOffset < 0 ? channel.closedException(AbstractNotifyChannel.SENDER_END, what) :
            channel.closedException(what);
    }

    static void checkTypeAndLength(final int type, final int length)
    {
        if (type < 0 || type > MAX_TYPE)
        {
            throw new IllegalArgumentException("type=" + type + " must be in [0, " + MAX_TYPE + "]");
        }
        if (length < 0 || length > MAX_PAYLOAD_LENGTH)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [0, " + MAX_PAYLOAD_LENGTH + "]");
        }
    }

    @Override
    public String toString()
    {
        return "UmpSender[" + channel + ", position=" + position + "]";
    }
}
