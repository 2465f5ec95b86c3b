package io.barge.core.notify;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Binary layout of a UMP channel (seed 003, 5.2): a ring of 64-byte slots the sender writes and the receiver
 * polls, and an acknowledgement page the receiver writes and the sender reads. Cache-line ownership stays
 * one-directional: ring lines are written only by the sender, the ack line only by the receiver.
 * <p>
 * Regions, each in its own frames:
 * <pre>
 *   ring (owner: sender; RW in sender, RO in receiver), slots * 64 bytes, physically consecutive frames
 *   +----------------+----------------+-----+--------------------+
 *   |     slot 0     |     slot 1     | ... |   slot slots - 1   |
 *   +----------------+----------------+-----+--------------------+
 *
 *   ack page (owner: receiver; RW in receiver, RO in sender), one frame
 *   +----------------------+-----------------+---------------------------------+
 *   | header (0..127)      | ack (128..135)  | unused, zero (136..frame end)   |
 *   +----------------------+-----------------+---------------------------------+
 * </pre>
 * Slot (one cache line); the control word is written last, with release:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Payload words 0..6 (56 bytes)      [PRODUCER]|
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |                    Sequence Id (low 32 bits)        [PRODUCER]|  byte 56
 *  +-------------------------------+---------------+-------------+-+
 *  |     Reserved, must be zero    |    Length     |    Type     |E|  byte 60
 *  +-------------------------------+---------------+-------------+-+
 * </pre>
 * As one little-endian long at {@link #CONTROL_OFFSET}: bits 0-31 sequence id, bits 32-47 reserved (zero),
 * bits 48-55 length (at most 56), bits 56-62 type, bit 63 epoch. Message {@code n} (counting from 0) goes to slot
 * {@code n & (slots - 1)} with sequence id {@code (int)n} and epoch 1 on even laps, 0 on odd laps: memory starts
 * zeroed, so a slot not yet written in this lap always shows the other epoch.
 * <p>
 * Ack page header (written once at setup by the receiver, [CONSUMER]):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                       Magic                         [CONSUMER]|
 *  +---------------------------------------------------------------+
 *  |                       Version                       [CONSUMER]|
 *  +---------------------------------------------------------------+
 *  |                       Slots                         [CONSUMER]|
 *  +---------------------------------------------------------------+
 *  |               Pad to 128 bytes (own cache-line pair)          |
 *  +---------------------------------------------------------------+
 *  |                  Ack: messages consumed (64 bits)   [CONSUMER]|  byte 128
 *  +---------------------------------------------------------------+
 *  |          Pad: nothing else within 128 bytes                   |
 *  +---------------------------------------------------------------+
 * </pre>
 * Publish protocol:
 * <ol>
 *   <li>The sender sees {@code sent - ackCached < slots} (re-reading the ack word with acquire only when not).</li>
 *   <li>The sender writes the payload with plain stores ({@link #putPayload}).</li>
 *   <li>The sender writes the control word with release: the receiver that sees the epoch sees the payload.</li>
 *   <li>The receiver reads the control word with acquire, validates it, hands the payload out.</li>
 *   <li>Every {@code max(1, slots / 4)} messages the receiver writes its consumed count to the ack word with
 *       release: the sender that sees it may reuse those slots, whose reads are done.</li>
 * </ol>
 */
public final class UmpDescriptor
{
    /** Bytes per slot: one cache line. */
    public static final int SLOT_LENGTH = 64;
    /** log2 of {@link #SLOT_LENGTH}. */
    public static final int SLOT_SHIFT = 6;
    /** Offset of the payload in a slot. */
    public static final int PAYLOAD_OFFSET = 0;
    /** Payload bytes in a slot. */
    public static final int PAYLOAD_LENGTH = 56;
    /** Offset of the control word in a slot. */
    public static final int CONTROL_OFFSET = 56;

    /** Bits of the sequence id in the control word. */
    public static final long SEQUENCE_MASK = 0xFFFF_FFFFL;
    /** Reserved bits of the control word; a valid word has them zero. */
    public static final long RESERVED_MASK = 0xFFFFL << 32;
    /** Shift of the 8-bit length field. */
    public static final int LENGTH_SHIFT = 48;
    /** Shift of the 7-bit type field. */
    public static final int TYPE_SHIFT = 56;
    /** The epoch bit. */
    public static final long EPOCH_BIT = 1L << 63;

    /** Magic at the start of the ack page: "BUMP". */
    public static final int MAGIC = 0x504D5542;
    /** Layout version. */
    public static final int VERSION = 1;
    /** Offset of the magic in the ack page. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version in the ack page. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the slot count in the ack page. */
    public static final int SLOTS_OFFSET = 8;
    /** Offset of the ack word: 128 bytes clear of the header, and nothing in the 128 bytes after it. */
    public static final int ACK_OFFSET = 128;
    /** Bytes of the ack page in use (header, ack word and its padding). */
    public static final int ACK_AREA_LENGTH = ACK_OFFSET + 128;

    /** Fewest slots. */
    public static final int MIN_SLOTS = 2;
    /** Most slots. */
    public static final int MAX_SLOTS = 1 << 16;

    private UmpDescriptor()
    {
    }

    /**
     * @param slots slot count.
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
     * @param slots slot count.
     * @return ring bytes.
     */
    public static int ringLength(final int slots)
    {
        return slots << SLOT_SHIFT;
    }

    /**
     * @param index slot index.
     * @return offset of the slot's first byte in the ring.
     */
    public static int slotOffset(final int index)
    {
        return index << SLOT_SHIFT;
    }

    /**
     * @param position message number (messages sent before it).
     * @param slotShift log2 of the slot count.
     * @return the epoch bit the message's slot carries: set on even laps.
     */
    public static long epochFor(final long position, final int slotShift)
    {
        // Branch-free: a receiver's first lap sees one epoch only, so a compiled branch here would be speculated on it
        // and deoptimised, with every caller it was inlined into, at the first wrap of the ring.
        return (~position >>> slotShift) << 63; // EPOCH_BIT is bit 63
    }

    /**
     * Writes a payload into a slot with plain stores, a word at a time with an int, short and byte tail (step 2 of the
     * publish protocol; the control word's release store publishes it). For a 56-byte payload seven stores beat
     * {@code putBytes}, whose {@code Unsafe.copyMemory} goes through a call to a copy stub on the sender's side of the
     * one line per message that moves between the cores.
     *
     * @param ring   the ring.
     * @param slot   offset of the slot ({@link #slotOffset}).
     * @param src    the payload's buffer.
     * @param offset the payload's first byte in {@code src}.
     * @param length payload bytes, 0..{@link #PAYLOAD_LENGTH} (checked by the caller).
     */
    public static void putPayload(final MutableDirectBuffer ring, final int slot, final DirectBuffer src,
        final int offset, final int length)
    {
        final int to = slot + PAYLOAD_OFFSET;
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES)
        {
            ring.putLong(to + i, src.getLong(offset + i));
        }
        if (length - i >= Integer.BYTES)
        {
            ring.putInt(to + i, src.getInt(offset + i));
            i += Integer.BYTES;
        }
        if (length - i >= Short.BYTES)
        {
            ring.putShort(to + i, src.getShort(offset + i));
            i += Short.BYTES;
        }
        if (i < length)
        {
            ring.putByte(to + i, src.getByte(offset + i));
        }
    }

    /**
     * @param epoch    {@link #EPOCH_BIT} or 0.
     * @param type     message type, 0..127.
     * @param length   payload bytes, 0..56.
     * @param sequence sequence id.
     * @return the control word.
     */
    public static long encodeControl(final long epoch, final int type, final int length, final int sequence)
    {
        return epoch | ((long)type << TYPE_SHIFT) | ((long)length << LENGTH_SHIFT) | (sequence & SEQUENCE_MASK);
    }

    /**
     * @param control a control word.
     * @return its epoch bit ({@link #EPOCH_BIT} or 0).
     */
    public static long epoch(final long control)
    {
        return control & EPOCH_BIT;
    }

    /**
     * @param control a control word.
     * @return its type.
     */
    public static int type(final long control)
    {
        return (int)(control >>> TYPE_SHIFT) & 0x7F;
    }

    /**
     * @param control a control word.
     * @return its length field (not yet validated).
     */
    public static int length(final long control)
    {
        return (int)(control >>> LENGTH_SHIFT) & 0xFF;
    }

    /**
     * @param control a control word.
     * @return its sequence id.
     */
    public static int sequence(final long control)
    {
        return (int)control;
    }

    /**
     * @param control a control word whose epoch matched.
     * @return whether reserved bits are zero and the length fits a slot.
     */
    public static boolean isWellFormed(final long control)
    {
        return (control & RESERVED_MASK) == 0 && length(control) <= PAYLOAD_LENGTH;
    }
}
