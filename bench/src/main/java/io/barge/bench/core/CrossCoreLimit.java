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
 * pool of {@code capacity} buffers of the message size; the producer writes a message's first word into a free
 * buffer (as the report's transport sources do: the stamp, the rest left as it is) and hands its index over an
 * Agrona {@link OneToOneRingBuffer}; the consumer reads the index, hands the buffer's bytes to its
 * {@link PayloadHandler} (which touches every byte) and hands the index back over a second ring. The producer
 * takes back every returned index before each message and reuses the buffer returned last (a free stack, as a
 * transport's cached free list): when the consumer keeps up, the same few buffers, warm in its cache, go round;
 * when it does not, all {@code capacity} are in flight. Nothing is copied, checked or counted beyond that: a
 * transport's descriptor, validation and accounting are what it adds to this.
 * <p>
 * Every buffer starts filled with its word numbers (word {@code i} of each buffer holds {@code i}), so a consumer's
 * sum over a message less its first word is fixed: {@code n (n - 1) / 2} for {@code n} words.
 * <p>
 * One producer thread (it alone touches the free stack) and one consumer thread.
 */
public final class CrossCoreLimit
{
    /** Message type of an index record on either ring. */
    static final int INDEX_MSG_TYPE = 1;
    /** Bytes of an index record: Agrona's 8-byte header and the int, aligned. */
    private static final int INDEX_RECORD_LENGTH = 16;

    private final int messageBytes;
    private final int capacity;
    private final int stride;
    // Off-heap memory from allocateDirectAligned is a slice: the collector frees it, as the report's other rings.
    private final UnsafeBuffer pool;
    private final OneToOneRingBuffer handOver;
    private final OneToOneRingBuffer handBack;
    private final Producer producer;
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
        this.stride = BitUtil.align(messageBytes, BitUtil.CACHE_LINE_LENGTH);
        this.pool = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.multiplyExact(stride, capacity), 4096));
        for (int slot = 0; slot < capacity; slot++)
        {
            for (int word = 0; word + 8 <= messageBytes; word += 8)
            {
                pool.putLong(slot * stride + word, word >> 3);
            }
        }
        this.handOver = indexRing(capacity);
        this.handBack = indexRing(capacity);
        this.producer = new Producer(capacity);
    }

    /**
     * Producer thread: takes back the returned buffers, fills the first word of the one returned last and hands it
     * over.
     *
     * @param firstWord the message's first word (a send stamp, or 0).
     * @return false if every buffer is in flight (back pressure: try again).
     */
    public boolean tryHandOver(final long firstWord)
    {
        final Producer p = producer;
        handBack.read(p);
        if (p.top == 0)
        {
            return false;
        }
        final int slot = p.free[--p.top];
        pool.putLong(slot * stride, firstWord);
        final int index = handOver.tryClaim(INDEX_MSG_TYPE, 4);
        if (index < 0)
        {
            throw new IllegalStateException("index ring full with a free buffer: ring sized below the pool");
        }
        handOver.buffer().putInt(index, slot);
        // Commit is a release store of the record length: the consumer that sees the record sees the first word.
        handOver.commit(index);
        return true;
    }

    /**
     * Consumer thread: takes up to {@code limit} messages, hands each to {@code handler}, then hands its buffer back.
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
        return handOver.read(consumer, limit);
    }

    /**
     * Producer thread: takes back the returned buffers.
     *
     * @return buffers free for the producer now.
     */
    public int freeBuffers()
    {
        handBack.read(producer);
        return producer.top;
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

    private static OneToOneRingBuffer indexRing(final int capacity)
    {
        // Room for every index at once: the pool, not a ring, is what bounds the messages in flight.
        final int ringBytes = BitUtil.findNextPositivePowerOfTwo(Math.max(4096, 2 * capacity * INDEX_RECORD_LENGTH));
        return new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
    }

    private static void checkIndexRecord(final int msgTypeId, final int length, final int slot, final int capacity)
    {
        if (msgTypeId != INDEX_MSG_TYPE || length != 4 || slot < 0 || slot >= capacity)
        {
            throw new IllegalStateException("bad index record: type=" + msgTypeId + " length=" + length +
                " slot=" + slot + " capacity=" + capacity);
        }
    }

    /** Padding before the producer's hot field, against false sharing with what the consumer reads. */
    abstract static class ProducerPadBefore
    {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** The producer's hot field. */
    abstract static class ProducerHot extends ProducerPadBefore
    {
        /** Free buffers on the stack. */
        int top;
    }

    /** The producer's free stack and its handler for returned indices: producer thread only. */
    static final class Producer extends ProducerHot implements MessageHandler
    {
        long p10, p11, p12, p13, p14, p15, p16, p17;
        final int[] free;

        Producer(final int capacity)
        {
            free = new int[capacity];
            for (int slot = capacity - 1; slot >= 0; slot--)
            {
                free[top++] = slot;
            }
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            final int slot = buffer.getInt(index);
            checkIndexRecord(msgTypeId, length, slot, free.length);
            free[top++] = slot;
        }
    }

    /** The consumer's record handler: its field is written on the consumer thread only. */
    private final class Consumer implements MessageHandler
    {
        PayloadHandler handler;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index,
            final int length)
        {
            final int slot = buffer.getInt(index);
            checkIndexRecord(msgTypeId, length, slot, capacity);
            handler.onPayload(pool, slot * stride, messageBytes);
            // Commit is a release: the reads of the buffer above precede the producer's reuse of the index it reads.
            final int back = handBack.tryClaim(INDEX_MSG_TYPE, 4);
            if (back < 0)
            {
                throw new IllegalStateException("return ring full: ring sized below the pool");
            }
            handBack.buffer().putInt(back, slot);
            handBack.commit(back);
        }
    }
}
