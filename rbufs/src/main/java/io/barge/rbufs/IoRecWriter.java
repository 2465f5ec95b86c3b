package io.barge.rbufs;

import io.barge.core.ProtocolViolationException;

import static io.barge.rbufs.IoRecDescriptor.*;

/**
 * The producer side of a control area: writes IOrecs at its private head and learns the consumer's tail from the
 * event channel. Never overwrites a record the consumer has not acknowledged: when there is no room the write fails
 * and the caller reports back pressure. One thread.
 */
final class IoRecWriter extends LinePadding
{
    private final RingView view;
    private final int capacity;
    private long head;
    private long knownTail;

    /**
     * @param view     the producer's read-write view of the area.
     * @param capacity ring capacity in bytes.
     */
    IoRecWriter(final RingView view, final int capacity)
    {
        ControlAreaDescriptor.checkCapacity(capacity);
        this.view = view;
        this.capacity = capacity;
    }

    /**
     * @param count pairs the next record will carry.
     * @return whether a record of that size fits now (including padding to the ring's end).
     */
    boolean hasRoom(final int count)
    {
        return room(count) >= 0;
    }

    private int room(final int count)
    {
        final int length = recordLength(count);
        final int index = (int)(head & (capacity - 1));
        final int pad = index + length > capacity ? capacity - index : 0;
        return (capacity - (int)(head - knownTail)) - (pad + length) >= 0 ? pad : -1;
    }

    /**
     * Writes one record with one pair and advances the head.
     *
     * @param flags  record flags.
     * @param base   pair base.
     * @param length pair length.
     * @return false if the ring has no room (nothing written).
     */
    boolean write(final int flags, final long base, final long length)
    {
        final int offset = claim(1);
        if (offset < 0)
        {
            return false;
        }
        view.putLong(baseOffset(offset, 0), base);
        view.putLong(lengthOffset(offset, 0), length);
        finish(offset, 1, flags);
        return true;
    }

    /**
     * Starts a record: pads to the ring's end if it would not fit before it.
     *
     * @param count pairs, 1..{@link IoRecDescriptor#MAX_PAIRS}.
     * @return the record's offset in the area, or -1 if there is no room.
     */
    int claim(final int count)
    {
        if (count < 1 || count > MAX_PAIRS)
        {
            throw new IllegalArgumentException("count=" + count + " must be in [1, " + MAX_PAIRS + "]");
        }
        final int pad = room(count);
        if (pad < 0)
        {
            return -1;
        }
        if (pad > 0)
        {
            view.putLong(ControlAreaDescriptor.recordOffset(head, capacity), header(0, FLAG_PAD));
            head += pad;
        }
        return ControlAreaDescriptor.recordOffset(head, capacity);
    }

    /**
     * @param offset record offset from {@link #claim(int)}.
     * @param pair   pair index.
     * @param base   base.
     * @param length length.
     */
    void putPair(final int offset, final int pair, final long base, final long length)
    {
        view.putLong(baseOffset(offset, pair), base);
        view.putLong(lengthOffset(offset, pair), length);
    }

    /**
     * Writes the header and advances the private head; the caller then signals the head.
     *
     * @param offset record offset.
     * @param count  pairs written.
     * @param flags  record flags.
     */
    void finish(final int offset, final int count, final int flags)
    {
        view.putLong(offset + COUNT_OFFSET, header(count, flags));
        view.putLong(offset + RESERVED_OFFSET, 0L);
        head += recordLength(count);
    }

    /**
     * Takes a tail the consumer signalled. Copied once by the caller; checked here before it is believed.
     *
     * @param tail the consumer's position.
     * @throws ProtocolViolationException if it is misaligned, goes backwards or passes the head.
     */
    void onTail(final long tail)
    {
        if ((tail & (ALIGNMENT - 1)) != 0 || tail < knownTail || tail > head)
        {
            throw new ProtocolViolationException("tail=" + tail + " impossible: last tail=" + knownTail +
                " head=" + head + " (must be " + ALIGNMENT + "-aligned, not backwards, not past the head)");
        }
        knownTail = tail;
    }

    /**
     * @return the private head: bytes ever written.
     */
    long head()
    {
        return head;
    }

    /**
     * @return the last tail believed.
     */
    long knownTail()
    {
        return knownTail;
    }

    /**
     * @return ring capacity in bytes.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * @return the producer's view, for tests that play a misbehaving peer.
     */
    RingView view()
    {
        return view;
    }
}
