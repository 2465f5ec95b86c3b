package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The kernel's consumer of the to-kernel ring, which clients write with Agrona's {@code ManyToOneRingBuffer}. It
 * reads Agrona's layout (records of a length and a type, aligned to {@link RecordDescriptor#ALIGNMENT}; head, tail
 * and head cache in the trailer) but trusts none of it: the ring is memory every attached process can write.
 * Agrona's own {@code read} takes a record's length as given, so a garbage length would send it past the ring
 * (zeroing beyond it, or throwing with the head stuck); this reader instead
 * <ul>
 *   <li>keeps the head in private memory and only ever publishes it, never reads it back;</li>
 *   <li>reads each record's length once (acquire, pairing with the producer's release of it), checks it lies
 *       inside the ring, then copies the body once into a private buffer before anyone looks at it;</li>
 *   <li>on a length that cannot be a record's, or a tail that cannot be a producer's, declares the ring damaged and
 *       recovers: the records between head and tail are dropped (counted; their senders time out), the memory
 *       zeroed, and consumption goes on from the tail;</li>
 *   <li>unblocks, like Agrona's {@code unblock()}, a record a producer claimed and never committed (it died): its
 *       negative length becomes a padding record.</li>
 * </ul>
 * One thread (the conductor's) uses it.
 */
final class CommandRingReader
{
    /** Receives each record's copy. */
    interface Handler
    {
        /**
         * @param type   the record's type id.
         * @param copy   a private copy of the body's first {@code min(length, copy.capacity())} bytes.
         * @param length the body's length as the record gave it (may exceed the copy).
         */
        void onCommand(int type, UnsafeBuffer copy, int length);
    }

    /** What the last {@link #read} or {@link #unblockIfStuck} found. */
    static final int OK = 0;
    /** The ring was damaged and reset. */
    static final int RECOVERED = 1;
    /** A dead producer's claim was turned into padding. */
    static final int UNBLOCKED = 2;

    private static final int PADDING_TYPE_ID = -1; // Agrona's padding record type

    private final AtomicBuffer buffer;
    private final int capacity;
    private final int headPositionIndex;
    private final int headCachePositionIndex;
    private final int tailPositionIndex;
    private final UnsafeBuffer copy;
    private long head;
    private long lastStuckHead = -1;
    private long stuckSinceMs;
    private long droppedBytes;

    /**
     * @param buffer         the ring's data and trailer.
     * @param maxCopyLength  bytes of the private copy.
     */
    CommandRingReader(final AtomicBuffer buffer, final int maxCopyLength)
    {
        this.buffer = buffer;
        this.capacity = buffer.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        if (capacity <= 0 || !BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException("ring capacity=" + capacity + " must be a positive power of two");
        }
        this.headPositionIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.headCachePositionIndex = capacity + RingBufferDescriptor.HEAD_CACHE_POSITION_OFFSET;
        this.tailPositionIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.copy = new UnsafeBuffer(new byte[maxCopyLength]);
        this.head = buffer.getLongVolatile(headPositionIndex); // once, at start: the kernel made the ring
    }

    /**
     * Reads committed records from the head, up to a limit.
     *
     * @param handler receives each non-padding record's copy; whatever it throws, the record is consumed.
     * @param limit   most records to hand over.
     * @return records handed over, or {@code -(n + 1)} if the ring was damaged and recovered after {@code n}.
     */
    int read(final Handler handler, final int limit)
    {
        int count = 0;
        while (count < limit)
        {
            final int index = (int)head & (capacity - 1);
            final int length = buffer.getIntVolatile(index); // acquire: the producer released it after the body
            if (length <= 0)
            {
                break; // nothing committed here yet (negative: a claim in progress, or a dead producer's)
            }
            final int aligned = BitUtil.align(length, RecordDescriptor.ALIGNMENT);
            if (length < RecordDescriptor.HEADER_LENGTH || aligned < 0 || aligned > capacity - index)
            {
                recover();
                return -(count + 1);
            }
            final int type = buffer.getInt(index + Integer.BYTES);
            try
            {
                if (type != PADDING_TYPE_ID)
                {
                    final int bodyLength = length - RecordDescriptor.HEADER_LENGTH;
                    copy.putBytes(0, buffer, index + RecordDescriptor.HEADER_LENGTH,
                        Math.min(bodyLength, copy.capacity()));
                    count++;
                    handler.onCommand(type, copy, bodyLength);
                }
            }
            finally
            {
                consume(index, aligned);
            }
        }
        return count;
    }

    private void consume(final int index, final int aligned)
    {
        buffer.setMemory(index, aligned, (byte)0);
        head += aligned;
        // Release: a producer that sees the new head sees the zeros above (it claims space only up to head).
        buffer.putLongRelease(headPositionIndex, head);
    }

    /**
     * Drops whatever lies between head and tail. A tail outside {@code [head, head + capacity]} is not a producer's:
     * the whole ring is zeroed and the tail set back to the head.
     */
    private void recover()
    {
        final long tail = buffer.getLongVolatile(tailPositionIndex);
        if (tail >= head && tail - head <= capacity)
        {
            zero(head, tail);
            if (tail == head)
            {
                // Nothing was claimed, so the damage lies where no producer wrote: clear the record at the head.
                buffer.putLongVolatile((int)head & (capacity - 1), 0);
            }
            droppedBytes += tail - head;
            head = tail;
        }
        else
        {
            buffer.setMemory(0, capacity, (byte)0);
            // CAS: a producer that claimed meanwhile moved the tail; it is garbage either way, so try once more.
            if (!buffer.compareAndSetLong(tailPositionIndex, tail, head))
            {
                buffer.putLongVolatile(tailPositionIndex, head);
            }
        }
        buffer.putLongRelease(headCachePositionIndex, head);
        buffer.putLongRelease(headPositionIndex, head);
    }

    private void zero(final long from, final long to)
    {
        final int start = (int)from & (capacity - 1);
        final long length = to - from;
        final int first = (int)Math.min(length, capacity - start);
        buffer.setMemory(start, first, (byte)0);
        if (length > first)
        {
            buffer.setMemory(0, (int)(length - first), (byte)0);
        }
    }

    /**
     * Checks whether the ring has been stuck (committed bytes ahead, the head not moving) for longer than a timeout,
     * and if so frees it: a dead producer's claim becomes padding; anything else that blocks the head is damage,
     * recovered as in {@link #read}.
     *
     * @param nowMs     now.
     * @param timeoutMs how long the head may stay stuck.
     * @return {@link #OK}, {@link #UNBLOCKED} or {@link #RECOVERED}.
     */
    int unblockIfStuck(final long nowMs, final long timeoutMs)
    {
        final long tail = buffer.getLongVolatile(tailPositionIndex);
        if (tail == head || head != lastStuckHead)
        {
            lastStuckHead = tail == head ? -1 : head;
            stuckSinceMs = nowMs;
            return OK;
        }
        if (nowMs - stuckSinceMs <= timeoutMs)
        {
            return OK;
        }
        lastStuckHead = -1;
        final int index = (int)head & (capacity - 1);
        final int length = buffer.getIntVolatile(index);
        if (length < 0 && -length >= RecordDescriptor.HEADER_LENGTH &&
            BitUtil.align(-length, RecordDescriptor.ALIGNMENT) <= capacity - index &&
            tail >= head && tail - head <= capacity)
        {
            buffer.putInt(index + Integer.BYTES, PADDING_TYPE_ID);
            // Release: the next read sees the padding type once it sees the positive length.
            buffer.putIntRelease(index, -length);
            return UNBLOCKED;
        }
        recover();
        return RECOVERED;
    }

    /**
     * Tells producers the consumer is alive: the ring's consumer-heartbeat word, which clients check before they
     * wait for an answer (a kernel that serves no clients never writes it).
     *
     * @param nowMs now, epoch milliseconds.
     */
    void consumerHeartbeatRelease(final long nowMs)
    {
        buffer.putLongRelease(capacity + RingBufferDescriptor.CONSUMER_HEARTBEAT_OFFSET, nowMs);
    }

    /**
     * @return the consumer's position.
     */
    long head()
    {
        return head;
    }

    /**
     * @return bytes of records dropped by recoveries so far.
     */
    long droppedBytes()
    {
        return droppedBytes;
    }
}
