package io.barge.core.machine;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.ProcessChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * The sending end, and master, of an Rbufs channel between processes ({@link MachineClient#openRbufsSender(int)}):
 * {@link #tryClaim} hands out a writable view straight into a free buffer of the channel's data area (zero copy),
 * {@link #commit} pushes an IOrec {base, length} on the transmit ring, and the receiver's returns come back through
 * the return ring, in any order ({@link RbufsChannelDescriptor}'s protocol). One thread uses it; it allocates
 * nothing after it is opened.
 * <p>
 * The receiver is not trusted: its indices are copied once per read and validated, and each return is accepted only
 * for a buffer this end sent and has not had back, with the length it sent. A value no correct receiver writes
 * breaks the channel ({@link ChannelBrokenException}, now and on every later call).
 */
public final class ProcessRbufsSender extends ProcessRbufsEnd
{
    /** {@link #tryClaim} result: a buffer is claimed, its view is {@link #buffer()}. */
    public static final int OK = 0;
    /** {@link #tryClaim} result: every buffer is out; try again after the receiver has returned some. */
    public static final int BACK_PRESSURED = -1;

    private static final int FREE = -1;
    private static final int CLAIMED = -2;

    /** Per buffer: FREE, CLAIMED, or the length it was sent with (out with the receiver). */
    private final int[] state;
    /** Free buffers, a stack: the buffer returned last is reused first, while its lines are still warm. */
    private final int[] free;
    private int freeCount;
    private final UnsafeBuffer claim = new UnsafeBuffer(0, 0);
    private int claimed = -1;
    private int claimedLength;
    private long txProducer;
    private long txConsumerCache;
    private long returnConsumer;
    // This end's counters (it is their one writer), stored to the header as they change.
    private long messagesSent;
    private long bytesSent;
    private long backPressured;
    private long returns;

    ProcessRbufsSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer control, final AtomicBuffer data, final AtomicBuffer channelTable, final int slot)
    {
        super(client, channel, header, control, data, channelTable, slot, ControlProtocolDescriptor.END_SENDER,
            "sender");
        this.state = new int[bufferCount];
        this.free = new int[bufferCount];
        for (int i = 0; i < bufferCount; i++)
        {
            state[i] = FREE;
            free[i] = bufferCount - 1 - i; // buffer 0 on top
        }
        this.freeCount = bufferCount;
    }

    /**
     * @return the longest message: each buffer's size.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @return how many buffers the data area holds.
     */
    public int bufferCount()
    {
        return bufferCount;
    }

    /**
     * Claims a free buffer for a message of {@code length} bytes, taking back whatever the receiver returned first.
     * Allocates nothing.
     *
     * @param length the message's length, 0..{@link #maxMessageLength()}.
     * @return {@link #OK} ({@link #buffer()} is the claim) or {@link #BACK_PRESSURED}.
     * @throws IllegalArgumentException if {@code length} is out of range.
     * @throws IllegalStateException    if the sender is closed or a claim is open.
     * @throws ChannelBrokenException   if the receiver wrote an index or a return no correct receiver writes.
     * @throws PeerGoneException        if the receiver closed the channel or died, whether or not buffers are free
     *                                  (checked on every claim: one acquire load of its end word, which the kernel
     *                                  writes once); nothing is claimed.
     * @throws KernelGoneException      if every buffer is out and the kernel is gone (checked only then, at most every
     *                                  {@link #KERNEL_CHECK_INTERVAL_NS} ns).
     */
    public int tryClaim(final int length)
    {
        checkOpenAndWhole();
        if (claimed >= 0)
        {
            throw new IllegalStateException("channel " + channelId + ": a claim is open; commit or abort it first");
        }
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [0, maxMessageLength=" +
                maxMessageLength + "]");
        }
        checkReceiverThere();
        if (freeCount <= bufferCount >> 1)
        {
            // Returns are read only once half the buffers are out: the receiver's return index then moves between
            // the cores once per batch of returns, not once per message, and a lie in it is still found while
            // buffers are left.
            takeReturns();
        }
        if (freeCount == 0)
        {
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
            return BACK_PRESSURED;
        }
        final int buffer = free[--freeCount];
        state[buffer] = CLAIMED;
        claimed = buffer;
        claimedLength = length;
        claim.wrap(data, buffer * stride, length);
        return OK;
    }

    /**
     * @return the open claim's bytes: a view of its buffer in the data area, {@code length} bytes long, valid until
     *         {@link #commit} or {@link #abort}.
     * @throws IllegalStateException if no claim is open.
     */
    public MutableDirectBuffer buffer()
    {
        checkClaimed();
        return claim;
    }

    /**
     * Sends the claimed buffer: its IOrec on the transmit ring, published with one release store.
     *
     * @throws IllegalStateException  if the sender is closed or no claim is open.
     * @throws ChannelBrokenException if the receiver broke the channel before, or the transmit ring is full, which
     *                                only a receiver that lies about its index makes it (at most {@code bufferCount}
     *                                buffers are ever out).
     * @throws PeerGoneException      if the receiver closed the channel or died since the claim: the claim is
     *                                aborted (its buffer free again), nothing is published or counted as sent.
     *                                Messages committed before and not yet received are not delivered: only the
     *                                receiver's counters say what was.
     */
    public void commit()
    {
        checkOpenAndWhole();
        checkClaimed();
        final PeerGoneException gone = receiverGone();
        if (gone != null)
        {
            abort(); // nothing published: the buffer is this end's again
            throw gone;
        }
        final long producer = txProducer;
        if (producer - txConsumerCache >= slots)
        {
            final long consumer = indexAcquire(ring, TX_CONSUMER_OFFSET);
            if (consumer < txConsumerCache || consumer > producer)
            {
                throw breaks("the receiver's transmit consumer index=" + consumer + " is not in [" +
                    txConsumerCache + ", " + producer + "]");
            }
            txConsumerCache = consumer;
            if (producer - consumer >= slots)
            {
                throw breaks("the transmit ring's " + slots + " IOrecs are all untaken, yet only " +
                    (bufferCount - freeCount) + " buffers are out");
            }
        }
        final int buffer = claimed;
        final int length = claimedLength;
        putIoRec(ring, TX_RING_OFFSET + (int)(producer & slotMask) * IOREC_LENGTH, buffer * stride, length,
            FLAG_DATA);
        state[buffer] = length;
        claimed = -1;
        txProducer = producer + 1;
        // Release: a receiver that reads it (acquire) sees the IOrec and every byte written through the claim.
        indexRelease(ring, TX_PRODUCER_OFFSET, producer + 1);
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
    }

    /**
     * Gives the claimed buffer back unsent.
     *
     * @throws IllegalStateException if no claim is open.
     */
    public void abort()
    {
        checkClaimed();
        state[claimed] = FREE;
        free[freeCount++] = claimed;
        claimed = -1;
    }

    /** Takes back every buffer the receiver returned since the last look, each checked against what was sent. */
    private void takeReturns()
    {
        final long consumer = returnConsumer;
        final long producer = indexAcquire(ring, RETURN_PRODUCER_OFFSET);
        if (producer == consumer)
        {
            return;
        }
        if (producer < consumer || producer - consumer > slots)
        {
            throw breaks("the receiver's return producer index=" + producer + " is not in [" + consumer + ", " +
                (consumer + slots) + "]");
        }
        long taken = consumer;
        try
        {
            for (; taken < producer; taken++)
            {
                final int offset = returnRing + (int)(taken & slotMask) * IOREC_LENGTH;
                // Copied once, then checked: the receiver can rewrite the slot meanwhile.
                final int base = ring.getInt(offset + BASE_OFFSET);
                final int length = ring.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET);
                final int flags = ring.getInt(offset + FLAGS_OFFSET);
                final int buffer = base / stride;
                if (flags != FLAG_FREE || base < 0 || base % stride != 0 || buffer >= bufferCount)
                {
                    throw breaks("return " + taken + " {base=" + base + " length=" + length + " flags=" + flags +
                        "} is not a FREE IOrec (" + FLAG_FREE + ") of a buffer's start (a multiple of " + stride +
                        " below " + bufferCount * stride + ")");
                }
                if (state[buffer] < 0 || state[buffer] != length)
                {
                    throw breaks("return " + taken + " {base=" + base + " length=" + length + "} matches no buffer " +
                        "out with the receiver (" + (state[buffer] == FREE ? "it is free: never sent, or returned " +
                        "twice" : state[buffer] == CLAIMED ? "it is claimed, not sent" : "it was sent with length=" +
                        state[buffer]) + ")");
                }
                state[buffer] = FREE;
                free[freeCount++] = buffer;
            }
        }
        finally
        {
            if (taken != consumer)
            {
                returnConsumer = taken;
                // Release: the receiver that reads it (acquire) may reuse the return slots before it.
                indexRelease(ring, RETURN_CONSUMER_OFFSET, taken);
                counterRelease(header, RETURNS_OFFSET, returns += taken - consumer);
            }
        }
    }

    private void checkClaimed()
    {
        if (claimed < 0)
        {
            throw new IllegalStateException("channel " + channelId + ": no claim is open");
        }
    }

}
