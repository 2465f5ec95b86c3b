package io.barge.core.machine;

import static io.barge.core.machine.ProcessChannelDescriptor.RETURNS_OFFSET;
import static io.barge.core.machine.ProcessChannelDescriptor.counterRelease;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * A sending end's account of an Rbufs channel's buffers (the raw {@link ProcessRbufsSender} and the SPI's
 * {@link RbufsSpiSender}): each buffer free, claimed, or out with the receiver with the length it was sent with; the
 * free ones on a stack (the one returned last is reused first, while its lines are warm); and the returns taken
 * from the return ring, each accepted only for a buffer out with the receiver with the length it was sent with (no
 * double free, no free of a buffer never sent; any order). One thread; allocates nothing after it is made.
 */
final class RbufsSenderBuffers
{
    private static final int FREE = -1;
    private static final int CLAIMED = -2;

    private final int bufferCount;
    /** Per buffer: FREE, CLAIMED, or the length it was sent with (out with the receiver). */
    private final int[] state;
    private final int[] free;
    private int freeCount;
    private long returnConsumer;
    private long returns;
    private long txProducer;
    private long txConsumerCache;

    RbufsSenderBuffers(final int bufferCount)
    {
        this.bufferCount = bufferCount;
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
     * @return buffers free for a claim.
     */
    int freeCount()
    {
        return freeCount;
    }

    /**
     * @return buffers claimed or out with the receiver.
     */
    int out()
    {
        return bufferCount - freeCount;
    }

    /**
     * @return how many returns have been taken: the return ring's consumer index.
     */
    long returnConsumer()
    {
        return returnConsumer;
    }

    /**
     * @return a free buffer, now claimed (the caller checked {@link #freeCount()} first).
     */
    int claim()
    {
        final int buffer = free[--freeCount];
        state[buffer] = CLAIMED;
        return buffer;
    }

    /**
     * @return IOrecs pushed on the transmit ring: its producer index.
     */
    long txProducer()
    {
        return txProducer;
    }

    /**
     * Sends a claimed buffer: its IOrec on the transmit ring, published with one release store; the buffer is then
     * out with the receiver with {@code length}.
     *
     * @param end    the sending end.
     * @param buffer a claimed buffer.
     * @param length its message's length.
     * @throws ChannelBrokenException if the transmit ring is full (an SPI end: ProtocolViolationException), which
     *                                only a receiver that lies about its index makes it (at most
     *                                {@code bufferCount} buffers are ever out).
     */
    void send(final ProcessRbufsEnd end, final int buffer, final int length)
    {
        send(end, buffer, length, 0);
    }

    /**
     * As {@link #send(ProcessRbufsEnd, int, int)}, the IOrec's last word {@code root} (an fbufs channel's aggregate
     * root, {@link FbufsChannelDescriptor#ROOT_OFFSET}; 0 for Rbufs).
     *
     * @param end    the sending end.
     * @param buffer a claimed buffer.
     * @param length its message's length.
     * @param root   the IOrec's last word.
     */
    void send(final ProcessRbufsEnd end, final int buffer, final int length, final int root)
    {
        final long producer = txProducer;
        if (producer - txConsumerCache >= end.slots)
        {
            final long consumer = indexAcquire(end.ring, TX_CONSUMER_OFFSET);
            if (consumer < txConsumerCache || consumer > producer)
            {
                throw end.breaks("the receiver's transmit consumer index=" + consumer + " is not in [" +
                    txConsumerCache + ", " + producer + "]");
            }
            txConsumerCache = consumer;
            if (producer - consumer >= end.slots)
            {
                throw end.breaks("the transmit ring's " + end.slots + " IOrecs are all untaken, yet only " + out() +
                    " buffers are out");
            }
        }
        final int offset = TX_RING_OFFSET + (int)(producer & end.slotMask) * IOREC_LENGTH;
        putIoRec(end.ring, offset, buffer * end.stride, length, FLAG_DATA);
        end.ring.putInt(offset + FbufsChannelDescriptor.ROOT_OFFSET, root);
        state[buffer] = length;
        txProducer = producer + 1;
        // Release: a receiver that reads it (acquire) sees the IOrec and every byte written in the buffer.
        indexRelease(end.ring, TX_PRODUCER_OFFSET, producer + 1);
    }

    /**
     * @param buffer a claimed buffer given back unsent.
     */
    void abort(final int buffer)
    {
        state[buffer] = FREE;
        free[freeCount++] = buffer;
    }

    /**
     * Takes back every buffer the receiver returned since the last look, each checked against what was sent, then
     * releases the return consumer index.
     *
     * @param end the sending end (its control area, header and the break of a lying receiver).
     * @throws ChannelBrokenException if the receiver's index or a return breaks the protocol (an SPI end:
     *                                ProtocolViolationException).
     */
    void takeReturns(final ProcessRbufsEnd end)
    {
        final long consumer = returnConsumer;
        final long producer = indexAcquire(end.ring, RETURN_PRODUCER_OFFSET);
        if (producer == consumer)
        {
            return;
        }
        if (producer < consumer || producer - consumer > end.slots)
        {
            throw end.breaks("the receiver's return producer index=" + producer + " is not in [" + consumer + ", " +
                (consumer + end.slots) + "]");
        }
        final int stride = end.stride;
        long taken = consumer;
        try
        {
            for (; taken < producer; taken++)
            {
                final int offset = end.returnRing + (int)(taken & end.slotMask) * IOREC_LENGTH;
                // Copied once, then checked: the receiver can rewrite the slot meanwhile.
                final int base = end.ring.getInt(offset + BASE_OFFSET);
                final int length = end.ring.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET);
                final int flags = end.ring.getInt(offset + FLAGS_OFFSET);
                final int buffer = base / stride;
                if (flags != FLAG_FREE || base < 0 || base % stride != 0 || buffer >= bufferCount)
                {
                    throw end.breaks("return " + taken + " {base=" + base + " length=" + length + " flags=" +
                        flags + "} is not a FREE IOrec (" + FLAG_FREE + ") of a buffer's start (a multiple of " +
                        stride + " below " + bufferCount * stride + ")");
                }
                if (state[buffer] < 0 || state[buffer] != length)
                {
                    throw end.breaks("return " + taken + " {base=" + base + " length=" + length + "} matches no " +
                        "buffer out with the receiver (" + (state[buffer] == FREE ? "it is free: never sent, or " +
                        "returned twice" : state[buffer] == CLAIMED ? "it is claimed, not sent" :
                        "it was sent with length=" + state[buffer]) + ")");
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
                indexRelease(end.ring, RETURN_CONSUMER_OFFSET, taken);
                counterRelease(end.header, RETURNS_OFFSET, returns += taken - consumer);
            }
        }
    }
}
