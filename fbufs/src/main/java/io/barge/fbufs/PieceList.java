package io.barge.fbufs;

import java.util.Arrays;

/**
 * A domain-local, reusable list of (address, length) pieces. Grows only when a message has more pieces than any
 * before it.
 */
final class PieceList
{
    long[] addresses = new long[8];
    int[] lengths = new int[8];
    int count;
    long totalLength;

    void clear()
    {
        count = 0;
        totalLength = 0;
    }

    void add(final long address, final int length)
    {
        if (count == addresses.length)
        {
            addresses = Arrays.copyOf(addresses, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
        }
        addresses[count] = address;
        lengths[count] = length;
        count++;
        totalLength += length;
    }
}
