package io.barge.core;

import org.agrona.DirectBuffer;

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
     * Sums a range as little-endian 64-bit words, then its tail bytes.
     *
     * @param buffer the memory.
     * @param offset first byte.
     * @param length bytes to read.
     * @return the sum, so the JIT cannot drop the reads.
     */
    public static long sumLongs(final DirectBuffer buffer, final int offset, final int length)
    {
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
}
