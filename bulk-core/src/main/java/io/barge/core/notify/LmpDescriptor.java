package io.barge.core.notify;

/**
 * Binary layout of an LMP endpoint (seed 003, 5.1): a ring of entries in frames the kernel owns, mapped read-write
 * only in the kernel's domain and read-only in the receiver, so that only the kernel writes messages; and a
 * consumer page the receiver owns (read-write in the receiver, read-only in the kernel's domain) through which the
 * receiver tells the kernel how far it has read.
 * <pre>
 *   endpoint ring (owner: kernel), slots * 128 bytes, physically consecutive frames
 *   +----------------+----------------+-----+--------------------+
 *   |    entry 0     |    entry 1     | ... |  entry slots - 1   |
 *   +----------------+----------------+-----+--------------------+
 * </pre>
 * Entry: an 8-word message (7 payload words and the control word, encoded as in {@link UmpDescriptor}) and a
 * capability slot, padded to two cache lines:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Payload words 0..6 (56 bytes)         [KERNEL]|
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |  Control word: sequence | reserved | length | type | E [KERNEL]|  byte 56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Capability frame (-1: none)           [KERNEL]|  byte 64
 *  +-------------------------------+-------------------------------+
 *  |     Capability kind           |     Capability rights [KERNEL]|  byte 68
 *  +-------------------------------+-------------------------------+
 *  |         Capability address in the receiver (64 bits)  [KERNEL]|  byte 72
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Pad to 128 bytes                              |
 *  +---------------------------------------------------------------+
 *
 *   consumer page (owner: receiver)
 *  +---------------------------------------------------------------+
 *  |           Consumed: messages read (64 bits)         [CONSUMER]|  byte 0
 *  +---------------------------------------------------------------+
 * </pre>
 * Delivery protocol (the kernel, on the sender's send call):
 * <ol>
 *   <li>reads the consumed word with acquire, validates it (not ahead of delivered, not backwards) and refuses the
 *       message (back pressure) if the endpoint is full;</li>
 *   <li>copies the sender's 56 payload bytes into the entry (counted as bytes copied for the sender) and writes the
 *       capability slot;</li>
 *   <li>writes the control word with release: a receiver that sees its epoch sees the payload and capability;</li>
 *   <li>triggers the receiver's waitset channel and, in synchronous mode, runs its handler at once.</li>
 * </ol>
 */
public final class LmpDescriptor
{
    /** Bytes per endpoint entry. */
    public static final int ENTRY_LENGTH = 128;
    /** log2 of {@link #ENTRY_LENGTH}. */
    public static final int ENTRY_SHIFT = 7;
    /** Words in a message: payload and control word. */
    public static final int MESSAGE_WORDS = 8;
    /** Offset of the payload in an entry. */
    public static final int PAYLOAD_OFFSET = 0;
    /** Offset of the control word in an entry. */
    public static final int CONTROL_OFFSET = UmpDescriptor.CONTROL_OFFSET;
    /** Offset of the capability's frame (int, -1 for none). */
    public static final int CAP_FRAME_OFFSET = 64;
    /** Offset of the capability's kind (short, {@link FrameTransfer} ordinal). */
    public static final int CAP_KIND_OFFSET = 68;
    /** Offset of the capability's rights (short). */
    public static final int CAP_RIGHTS_OFFSET = 70;
    /** Offset of the capability's virtual address in the receiver (long). */
    public static final int CAP_ADDRESS_OFFSET = 72;
    /** Offset of the consumed count in the consumer page. */
    public static final int CONSUMED_OFFSET = 0;
    /** Bytes of the consumer page in use. */
    public static final int CONSUMER_AREA_LENGTH = 128;
    /** Value of the capability frame field when no capability travels. */
    public static final int NO_FRAME = -1;

    /** Fewest entries. */
    public static final int MIN_SLOTS = 2;
    /** Most entries. */
    public static final int MAX_SLOTS = 1024;

    private LmpDescriptor()
    {
    }

    /**
     * @param slots entry count.
     * @throws IllegalArgumentException unless a power of two in [{@link #MIN_SLOTS}, {@link #MAX_SLOTS}].
     */
    public static void checkSlots(final int slots)
    {
        if (slots < MIN_SLOTS || slots > MAX_SLOTS || Integer.bitCount(slots) != 1)
        {
            throw new IllegalArgumentException("slots=" + slots + " must be a power of two in [" + MIN_SLOTS + ", " +
                MAX_SLOTS + "]");
        }
    }

    /**
     * @param slots entry count.
     * @return endpoint bytes.
     */
    public static int endpointLength(final int slots)
    {
        return slots << ENTRY_SHIFT;
    }

    /**
     * @param index entry index.
     * @return offset of the entry in the endpoint.
     */
    public static int entryOffset(final int index)
    {
        return index << ENTRY_SHIFT;
    }
}
