package io.barge.fbufs;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The kernel's record of the fbufs in transit on one hop: for each sent message, the handles whose references
 * passed from the sender to the receiver. The sender's notification says where the data is (a root or a piece list,
 * untrusted); this trusted record says which references the receiver now holds, so a lying sender can make a
 * receiver read zeros but never make it drop a reference it does not hold.
 * <p>
 * Single producer (the sending domain's thread), single consumer (the receiving domain's thread): each side owns
 * its index; a record is written before the producer index is released, and read after it is acquired.
 */
final class InFlightRing
{
    /** Most distinct fbuf references one message may carry. */
    static final int MAX_HANDLES = 16;
    private static final int RECORD = MAX_HANDLES + 1;

    private final int capacity;
    private final long[] records;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    /** Messages the receiver released or forwarded on: the credit that bounds committed-and-not-released. */
    private final AtomicLong released = new AtomicLong();

    InFlightRing(final int capacity)
    {
        this.capacity = capacity;
        this.records = new long[capacity * RECORD];
    }

    int capacity()
    {
        return capacity;
    }

    /**
     * @return records written and not yet taken (exact for the producer; may lag for others).
     */
    int size()
    {
        return (int)(produced.get() - consumed.get());
    }

    /**
     * @return messages recorded and not yet released by the receiver (exact for the producer, may lag for others).
     */
    long unreleased()
    {
        return produced.get() - released.get();
    }

    /**
     * @return records written so far (the producer's count).
     */
    long produced()
    {
        return produced.get();
    }

    /**
     * The receiver released (or forwarded) one message it took: its credit goes back to the producer. Called by the
     * receiving thread only.
     */
    void released()
    {
        // Release: a producer that sees the credit back sees the receiver done with the message.
        released.lazySet(released.get() + 1);
    }

    /**
     * @param handles the references passed with a message.
     * @param count   how many.
     * @return false if the ring is full.
     */
    boolean offer(final long[] handles, final int count)
    {
        if (count < 0 || count > MAX_HANDLES)
        {
            throw new IllegalArgumentException("a message carries at most " + MAX_HANDLES + " fbufs, not " + count);
        }
        final long position = produced.get();
        if (position - consumed.get() >= capacity)
        {
            return false;
        }
        final int at = (int)(position % capacity) * RECORD;
        records[at] = count;
        System.arraycopy(handles, 0, records, at + 1, count);
        // Release: the consumer that sees the new position sees the record.
        produced.lazySet(position + 1);
        return true;
    }

    /**
     * @param into receives the handles of the oldest record.
     * @return how many, or -1 if no record is waiting.
     */
    int poll(final long[] into)
    {
        final long position = consumed.get();
        if (produced.get() == position)
        {
            return -1;
        }
        final int at = (int)(position % capacity) * RECORD;
        final int count = (int)records[at];
        System.arraycopy(records, at + 1, into, 0, count);
        // Release: the producer that sees the slot free may overwrite it only after these reads.
        consumed.lazySet(position + 1);
        return count;
    }
}
