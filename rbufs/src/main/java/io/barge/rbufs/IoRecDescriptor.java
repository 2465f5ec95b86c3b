package io.barge.rbufs;

/**
 * Layout of an IOrec, the Rbufs descriptor of regions of a data area (like a Unix {@code iovec}): a header padded
 * to the size of one base/length pair, followed by {@code count} pairs. Variable size, 16-byte aligned. Every field
 * is written by the producer of the control area that holds the record ([PRODUCER]) and only read by the consumer.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     count [PRODUCER]                          |  0  pairs that follow
 *  +---------------------------------------------------------------+
 *  |                     flags [PRODUCER]                          |  4  DATA | EMPTY | FREE | PAD
 *  +---------------------------------------------------------------+
 *  |                     reserved, zero [PRODUCER]                 |  8  pads the header to a pair
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     base[0] [PRODUCER]                        | 16  byte offset in the data area
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     length[0] [PRODUCER]                      | 24  bytes
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     ... count pairs in all ...                |
 *  +---------------------------------------------------------------+
 * </pre>
 * count and flags are read as one 64-bit word (count in the low half), so the consumer fetches the header once.
 * A PAD record fills the ring from its position to the ring's end; its count is ignored.
 */
public final class IoRecDescriptor
{
    /** Offset of the pair count in the header. */
    public static final int COUNT_OFFSET = 0;
    /** Offset of the flags in the header. */
    public static final int FLAGS_OFFSET = 4;
    /** Offset of the reserved header word. */
    public static final int RESERVED_OFFSET = 8;
    /** Header length: one pair. */
    public static final int HEADER_LENGTH = 16;
    /** Length of a base/length pair. */
    public static final int PAIR_LENGTH = 16;
    /** Offset of the base within a pair. */
    public static final int PAIR_BASE_OFFSET = 0;
    /** Offset of the length within a pair. */
    public static final int PAIR_LENGTH_OFFSET = 8;
    /** Records start and end on this alignment. */
    public static final int ALIGNMENT = 16;
    /** Most pairs one IOrec may carry. */
    public static final int MAX_PAIRS = 15;
    /** Largest record: header and {@link #MAX_PAIRS} pairs. */
    public static final int MAX_RECORD_LENGTH = HEADER_LENGTH + MAX_PAIRS * PAIR_LENGTH;

    /** Flag: the pairs name full regions (data sent). */
    public static final int FLAG_DATA = 1;
    /** Flag: the pairs name empty regions posted for filling (receive-master mode). */
    public static final int FLAG_EMPTY = 2;
    /** Flag: the pairs name regions given back to the master (transmit-master mode free path). */
    public static final int FLAG_FREE = 4;
    /** Flag: padding up to the end of the ring; the consumer skips it. */
    public static final int FLAG_PAD = 0x8000;

    private IoRecDescriptor()
    {
    }

    /**
     * @param count pairs.
     * @return bytes the record takes.
     */
    public static int recordLength(final int count)
    {
        return HEADER_LENGTH + count * PAIR_LENGTH;
    }

    /**
     * @param recordOffset offset of a record.
     * @param pair         pair index.
     * @return offset of that pair's base.
     */
    public static int baseOffset(final int recordOffset, final int pair)
    {
        return recordOffset + HEADER_LENGTH + pair * PAIR_LENGTH + PAIR_BASE_OFFSET;
    }

    /**
     * @param recordOffset offset of a record.
     * @param pair         pair index.
     * @return offset of that pair's length.
     */
    public static int lengthOffset(final int recordOffset, final int pair)
    {
        return recordOffset + HEADER_LENGTH + pair * PAIR_LENGTH + PAIR_LENGTH_OFFSET;
    }

    /**
     * @param count pairs.
     * @param flags flags.
     * @return the header word as stored (count in the low half).
     */
    public static long header(final int count, final int flags)
    {
        return (count & 0xFFFF_FFFFL) | ((long)flags << 32);
    }

    /**
     * @param header a header word.
     * @return its count (may be anything a peer wrote).
     */
    public static int count(final long header)
    {
        return (int)header;
    }

    /**
     * @param header a header word.
     * @return its flags.
     */
    public static int flags(final long header)
    {
        return (int)(header >>> 32);
    }

    /**
     * Checks one pair against a data area, without trusting either value. The sum cannot overflow: both are
     * checked to be within [0, areaLength] first.
     *
     * @param base       offset the peer wrote.
     * @param length     length the peer wrote.
     * @param areaLength data area length.
     * @return null if valid, else the broken rule with values.
     */
    public static String checkPair(final long base, final long length, final long areaLength)
    {
        if (length <= 0)
        {
            return "length=" + length + " must be positive";
        }
        if (base < 0)
        {
            return "base=" + base + " must not be negative";
        }
        if (base >= areaLength || length > areaLength)
        {
            return "base=" + base + " length=" + length + " lies past the data area of " + areaLength + " bytes";
        }
        if (length > areaLength - base)
        {
            return "base=" + base + " length=" + length + " straddles the end of the data area of " + areaLength +
                " bytes";
        }
        return null;
    }
}
