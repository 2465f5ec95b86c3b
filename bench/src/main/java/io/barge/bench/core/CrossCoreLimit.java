package io.barge.bench.core;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The cross-core limit: the most any zero-copy transport could do between two threads with a given working set. A
 * pool of {@code capacity} buffers of the message size; the producer writes a message's first word into the next
 * free buffer (as the report's transport sources do: the stamp, the rest left as it is) and hands its index over an
 * Agrona {@link OneToOneRingBuffer}; the consumer reads the index, hands the buffer's bytes to its
 * {@link PayloadHandler} (which touches every byte) and then returns the buffer by raising a release counter. Buffers
 * are used in turn, so a count is all the return path needs. Nothing is copied, checked or counted beyond that: a
 * transport's descriptor, validation and accounting are what it adds to this.
 * <p>
 * Every buffer starts filled with its word numbers (word {@code i} of each buffer holds {@code i}), so a consumer's
 * sum over a message less its first word is fixed: {@code n (n - 1) / 2} for {@code n} words.
 * <p>
 * Control block (off-heap, each side's words on their own pair of cache lines):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            [PRODUCER] messages handed over (64 bits)          |  0
 *  |            [PRODUCER] cached release count (64 bits)          |  8
 *  |                 padding to byte 128                           |
 *  +---------------------------------------------------------------+
 *  |            [CONSUMER] buffers released (64 bits)              | 128
 *  |                 padding to byte 256                           |
 *  +---------------------------------------------------------------+
 * </pre>
 * One producer thread and one consumer thread.
 */
public final class CrossCoreLimit
{
    /** Message type of an index record on the forward ring. */
    static final int INDEX_MSG_TYPE = 1;
    private static final int HANDED_OVER_OFFSET = 0;
    private static final int RELEASE_CACHE_OFFSET = 8;
    private static final int RELEASED_OFFSET = 2 * BitUtil.CACHE_LINE_LENGTH;
    private static final int CONTROL_LENGTH = 4 * BitUtil.CACHE_LINE_LENGTH;
    /** Bytes of an index record: Agrona's 8-byte header and the int, aligned. */
    private static final int INDEX_RECORD_LENGTH = 16;

    private final int messageBytes;
    private final int capacity;
    private final int mask;
    private final int stride;
    // Off-heap memory from allocateDirectAligned is a slice: the collector frees it, as the report's other rings.
    private final UnsafeBuffer pool;
    private final UnsafeBuffer control;
    private final OneToOneRingBuffer ring;
    private final Consumer consumer = new Consumer();

    /**
     * @param messageBytes bytes of each buffer, at least 8.
     * @param capacity     buffers in the pool, a power of two, at least 2: the messages that can be in flight.
     */
    public CrossCoreLimit(final int messageBytes, final int capacity)
    {
        if (messageBytes < 8 || capacity < 2 || !BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException("messageBytes=" + messageBytes + " capacity=" + capacity +
                ": need messageBytes >= 8 and capacity a power of two >= 2");
        }
        this.messageBytes = messageBytes;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.stride = BitUtil.align(messageBytes, BitUtil.CACHE_LINE_LENGTH);
        this.pool = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.multiplyExact(stride, capacity), 4096));
        for (int slot = 0; slot < capacity; slot++)
        {
            for (int word = 0; word + 8 <= messageBytes; word += 8)
            {
                pool.putLong(slot * stride + word, word >> 3);
            }
        }
        this.control = new UnsafeBuffer(BufferUtil.allocateDirectAligned(CONTROL_LENGTH, BitUtil.CACHE_LINE_LENGTH));
        // Room for every index at once: the pool, not the ring, is what bounds the messages in flight.
        final int ringBytes = BitUtil.findNextPositivePowerOfTwo(Math.max(4096, 2 * capacity * INDEX_RECORD_LENGTH));
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
    }

    /**
     * Producer thread: fills the next free buffer's first word and hands the buffer over.
     *
     * @param firstWord the message's first word (a send stamp, or 0).
     * @return false if every buffer is in flight (back pressure: try again).
     */
    public boolean tryHandOver(final long firstWord)
    {
        final long handedOver = control.getLong(HANDED_OVER_OFFSET);
        if (handedOver - control.getLong(RELEASE_CACHE_OFFSET) >= capacity)
        {
            // Acquire: pairs with the consumer's release, so the consumer's reads of the buffer precede our writes.
            final long released = control.getLongVolatile(RELEASED_OFFSET);
            control.putLong(RELEASE_CACHE_OFFSET, released);
            if (handedOver - released >= capacity)
            {
                return false;
            }
        }
        final int slot = (int)handedOver & mask;
        pool.putLong(slot * stride, firstWord);
        final int index = ring.tryClaim(INDEX_MSG_TYPE, 4);
        if (index < 0)
        {
            throw new IllegalStateException("index ring full with a free buffer: ring sized below the pool");
        }
        ring.buffer().putInt(index, slot);
        // Commit is a release store of the record length: the consumer that sees the record sees the first word.
        ring.commit(index);
        control.putLong(HANDED_OVER_OFFSET, handedOver + 1);
        return true;
    }

    /**
     * Consumer thread: takes up to {@code limit} messages, hands each to {@code handler}, then releases its buffer.
     *
     * @param handler what the consumer does with each message's bytes.
     * @param limit   most messages to take.
     * @return messages taken.
     */
    public int poll(final PayloadHandler handler, final int limit)
    {
        if (consumer.handler != handler)
        {
            consumer.handler = handler;
        }
        return ring.read(consumer, limit);
    }

    /**
     * @return bytes of each message.
     */
    public int messageBytes()
    {
        return messageBytes;
    }

    /**
     * @return buffers in the pool.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return messages handed over and not yet released (a snapshot; exact once both threads are idle).
     */
    public long inFlight()
    {
        return control.getLongVolatile(HANDED_OVER_OFFSET) - control.getLongVolatile(RELEASED_OFFSET);
    }

    /** The consumer's record handler: its fields are written on the consumer thread only. */
    private final class Consumer implements MessageHandler
    {
        PayloadHandler handler;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            final int slot = buffer.getInt(index);
            if (msgTypeId != INDEX_MSG_TYPE || length != 4 || slot < 0 || slot >= capacity)
            {
                throw new IllegalStateException("bad index record: type=" + msgTypeId + " length=" + length +
                    " slot=" + slot + " capacity=" + capacity);
            }
            handler.onPayload(pool, slot * stride, messageBytes);
            // Release: the reads of the buffer above happen before the producer, seeing the count, reuses it.
            control.putLongRelease(RELEASED_OFFSET, control.getLong(RELEASED_OFFSET) + 1);
        }
    }
}
