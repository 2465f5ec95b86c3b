package io.barge.rbufs;

import io.barge.core.ProtocolViolationException;

import static io.barge.rbufs.IoRecDescriptor.*;

/**
 * The consumer side of a control area: reads IOrecs at its private tail up to the head signalled by the producer.
 * Each record is copied out of the shared ring once into a private {@link IoRec}; only the copy is validated and
 * used, so a producer rewriting the ring afterwards changes nothing. A structurally impossible record (bad count,
 * past the head, across the ring's end) is a protocol violation: the ring can no longer be parsed. One thread.
 */
final class IoRecReader extends LinePadding
{
    private final RingView view;
    private final int capacity;
    private final int expectedFlags;
    private long tail;
    private long knownHead;
    private Runnable afterCopy;

    /**
     * @param view          the consumer's read-only view.
     * @param capacity      ring capacity.
     * @param expectedFlags flags every non-pad record in this ring must carry.
     */
    IoRecReader(final RingView view, final int capacity, final int expectedFlags)
    {
        ControlAreaDescriptor.checkCapacity(capacity);
        this.view = view;
        this.capacity = capacity;
        this.expectedFlags = expectedFlags;
    }

    /**
     * Takes a head the producer signalled, copied once by the caller.
     *
     * @param head the producer's position.
     * @throws ProtocolViolationException if misaligned, backwards, or more than a ring beyond the tail.
     */
    void onHead(final long head)
    {
        if ((head & (ALIGNMENT - 1)) != 0 || head < knownHead || head - tail > capacity)
        {
            throw new ProtocolViolationException("head=" + head + " impossible: last head=" + knownHead +
                " tail=" + tail + " capacity=" + capacity +
                " (must be " + ALIGNMENT + "-aligned, not backwards, at most one ring beyond the tail)");
        }
        knownHead = head;
    }

    /**
     * @return whether a record is waiting.
     */
    boolean hasNext()
    {
        return tail < knownHead;
    }

    /**
     * Copies the next record out, skipping padding, and advances the private tail past it.
     *
     * @param into private copy to fill.
     * @return true if a record was read, false if none is waiting.
     * @throws ProtocolViolationException if the record cannot be parsed.
     */
    boolean read(final IoRec into)
    {
        // Small enough to be inlined into the callers' poll loops: the rare paths live in cold methods below.
        while (tail < knownHead)
        {
            final int index = (int)tail & (capacity - 1);
            final int offset = ControlAreaDescriptor.HEADER_LENGTH + index;
            final long header = view.getLong(offset + COUNT_OFFSET);
            final int flags = flags(header);
            final int available = (int)(knownHead - tail);
            final int toEnd = capacity - index;
            if (flags == FLAG_PAD)
            {
                skipPad(toEnd, available);
                continue;
            }
            final int count = count(header);
            final int length = recordLength(count);
            if (count < 1 || count > MAX_PAIRS || length > available || length > toEnd || flags != expectedFlags)
            {
                throw malformed(count, flags, length, toEnd);
            }
            into.count = count;
            into.flags = flags;
            final long[] bases = into.bases;
            final long[] lengths = into.lengths;
            for (int i = 0; i < count; i++)
            {
                bases[i] = view.getLong(baseOffset(offset, i));
                lengths[i] = view.getLong(lengthOffset(offset, i));
            }
            tail += length;
            if (afterCopy != null)
            {
                afterCopy.run();
            }
            return true;
        }
        return false;
    }

    private void skipPad(final int toEnd, final int available)
    {
        if (toEnd > available)
        {
            throw new ProtocolViolationException("pad record at " + tail + " runs past head=" + knownHead);
        }
        tail += toEnd;
    }

    private ProtocolViolationException malformed(final int count, final int flags, final int length, final int toEnd)
    {
        if (count < 1 || count > MAX_PAIRS)
        {
            return new ProtocolViolationException("record at " + tail + " has count=" + count + ", must be in [1, " +
                MAX_PAIRS + "]");
        }
        if (flags != expectedFlags && length <= toEnd && length <= knownHead - tail)
        {
            return new ProtocolViolationException("record at " + tail + " has flags=0x" +
                Integer.toHexString(flags) + ", this ring carries 0x" + Integer.toHexString(expectedFlags));
        }
        return new ProtocolViolationException("record at " + tail + " of " + length + " bytes runs past head=" +
            knownHead + " or the ring's end (" + toEnd + " bytes left)");
    }

    /**
     * @return the private tail: bytes consumed.
     */
    long tail()
    {
        return tail;
    }

    /**
     * @return the last head believed.
     */
    long knownHead()
    {
        return knownHead;
    }

    /**
     * @return the ring's capacity in bytes.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * Test hook: runs right after a record has been copied out, where a hostile producer would rewrite it.
     *
     * @param hook the action, or null.
     */
    void afterCopy(final Runnable hook)
    {
        this.afterCopy = hook;
    }
}
