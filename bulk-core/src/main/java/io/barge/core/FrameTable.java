package io.barge.core;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The kernel's per-frame state (pin word, owner, map count), one {@link FrameRecordDescriptor record} per frame on a
 * cache line of its own, off-heap and line-aligned. Every word of a frame is written by whoever operates on that
 * frame (atomic adds on the map count, compare-and-set on the pin word), so packing several frames' words on one line
 * made domains on different cores working on neighbouring frames (frames handed out one after another) invalidate
 * each other's line on every operation. The cost is the one Linux pays for {@code struct page}: 64 bytes a frame
 * (1.6% of memory with 4 KiB frames, 12.5% with the smallest, 512-byte frames).
 * <p>
 * The memory is left to the garbage collector, not freed on {@link Kernel#close()}: lock-free unpins may still read
 * a frame's word after the kernel closed (they then find it free and return), and must never reach freed memory.
 */
final class FrameTable
{
    private final UnsafeBuffer buffer;
    private final int frameCount;

    /**
     * @param frameCount frames of the machine; every record starts free, owned by nobody, mapped nowhere.
     * @param freeWord   the pin word of a free frame.
     * @param noOwner    the owner of a free frame.
     */
    FrameTable(final int frameCount, final long freeWord, final int noOwner)
    {
        FrameRecordDescriptor.checkFrameCount(frameCount);
        this.frameCount = frameCount;
        this.buffer = new UnsafeBuffer(
            new AlignedMemory(frameCount * FrameRecordDescriptor.RECORD_LENGTH, FrameRecordDescriptor.RECORD_LENGTH)
                .buffer());
        for (int frame = 0; frame < frameCount; frame++)
        {
            buffer.putLong(FrameRecordDescriptor.pinWordOffset(frame), freeWord);
            buffer.putInt(FrameRecordDescriptor.ownerOffset(frame), noOwner);
        }
    }

    int frameCount()
    {
        return frameCount;
    }

    long pinWordVolatile(final int frame)
    {
        return buffer.getLongVolatile(FrameRecordDescriptor.pinWordOffset(frame));
    }

    boolean compareAndSetPinWord(final int frame, final long expected, final long update)
    {
        return buffer.compareAndSetLong(FrameRecordDescriptor.pinWordOffset(frame), expected, update);
    }

    void pinWordVolatileStore(final int frame, final long value)
    {
        buffer.putLongVolatile(FrameRecordDescriptor.pinWordOffset(frame), value);
    }

    int ownerAcquire(final int frame)
    {
        return buffer.getIntAcquire(FrameRecordDescriptor.ownerOffset(frame));
    }

    void ownerRelease(final int frame, final int ownerId)
    {
        buffer.putIntRelease(FrameRecordDescriptor.ownerOffset(frame), ownerId);
    }

    /** @return the count before the add (a full fence, as every atomic add). */
    int addMapCount(final int frame, final int delta)
    {
        return buffer.getAndAddInt(FrameRecordDescriptor.mapCountOffset(frame), delta);
    }

    int mapCountVolatile(final int frame)
    {
        return buffer.getIntVolatile(FrameRecordDescriptor.mapCountOffset(frame));
    }
}
