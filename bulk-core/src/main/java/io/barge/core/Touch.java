package io.barge.core;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The one routine every receiver uses to "touch" a message, and every bare-read reference uses over a private
 * buffer, so that throughput divided by bare read bandwidth compares like with like.
 */
public final class Touch
{
    private Touch()
    {
    }

    /**
     * Sums a range as native-order 64-bit words, then its tail bytes. Off-heap memory behind a plain
     * {@link UnsafeBuffer} (a private buffer, the machine's frames) is checked once and read with
     * {@link #sumLongs(long, int)}, so every caller runs the same loop; any other buffer through its own gets.
     *
     * @param buffer the memory.
     * @param offset first byte.
     * @param length bytes to read.
     * @return the sum, so the JIT cannot drop the reads.
     * @throws IndexOutOfBoundsException if the range is outside the buffer.
     */
    public static long sumLongs(final DirectBuffer buffer, final int offset, final int length)
    {
        if (buffer.getClass() == UnsafeBuffer.class && buffer.byteArray() == null)
        {
            buffer.boundsCheck(offset, length);
            return sumLongs(buffer.addressOffset() + offset, length);
        }
        long sum = 0;
        final int words = offset + (length & ~7);
        int i = offset;
        for (; i < words; i += 8)
        {
            sum += buffer.getLong(i);
        }
        final int end = offset + length;
        for (; i < end; i++)
        {
            sum += buffer.getByte(i);
        }
        return sum;
    }

    /**
     * The loop itself, over raw off-heap memory: an int-counted loop of plain loads with nothing in it but the
     * load and the add (no buffer fields to reload, no per-word bounds check), which the JIT unrolls the same way
     * wherever it is inlined.
     *
     * @param address first byte, a raw address of memory the caller has checked it may read.
     * @param length  bytes to read, not negative.
     * @return the sum of the range's native-order words, then of its tail bytes.
     */
    public static long sumLongs(final long address, final int length)
    {
        long sum = 0;
        final int words = length & ~7;
        int i = 0;
        for (; i < words; i += 8)
        {
            sum += UnsafeApi.getLong(address + i);
        }
        for (; i < length; i++)
        {
            sum += UnsafeApi.getByte(address + i);
        }
        return sum;
    }
}
