package io.barge.rbufs;

/**
 * Maps data-area offsets to slot numbers. A 64-bit division costs tens of cycles, more than the rest of a
 * descriptor's handling, so power-of-two slots (every slot size up to a page that a 2^n-byte message gets) use
 * shifts and masks; other sizes divide.
 */
final class SlotIndex
{
    private final int size;
    private final int shift;
    private final long mask;

    /**
     * @param size slot size in bytes, positive.
     */
    SlotIndex(final int size)
    {
        if (size < 1)
        {
            throw new IllegalArgumentException("slot size=" + size + " must be positive");
        }
        this.size = size;
        this.shift = Integer.bitCount(size) == 1 ? Integer.numberOfTrailingZeros(size) : -1;
        this.mask = size - 1L;
    }

    /**
     * @param offset a non-negative offset in the data area.
     * @return the slot holding it.
     */
    long slot(final long offset)
    {
        return shift >= 0 ? offset >>> shift : offset / size;
    }

    /**
     * @param offset a non-negative offset in the data area.
     * @return whether it is the first byte of a slot.
     */
    boolean isStart(final long offset)
    {
        return shift >= 0 ? (offset & mask) == 0 : offset % size == 0;
    }
}
