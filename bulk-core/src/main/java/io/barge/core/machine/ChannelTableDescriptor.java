package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;

/**
 * Layout of the machine file's channel table: one slot per channel between client processes, written by the
 * kernel's {@link KernelConductor} alone (clients map it read-only), so that each end can find the channel's frames
 * and learn, without a message, that its peer closed or died. Nothing in it is trusted by the kernel, which keeps its
 * own state on its heap and mirrors it here.
 * <p>
 * Slot, {@link #SLOT_LENGTH} bytes:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Sequence (64)                   [KERNEL] |  0, odd while the slot changes
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Channel Id (32)                 [KERNEL] |  8, never reused
 *  +---------------------------------------------------------------+
 *  |                        State (32)                    [KERNEL] |  12, FREE or OPEN
 *  +---------------------------------------------------------------+
 *  |                   Sender Domain Id (32)              [KERNEL] |  16
 *  +---------------------------------------------------------------+
 *  |                  Receiver Domain Id (32)             [KERNEL] |  20
 *  +---------------------------------------------------------------+
 *  |                   Sender Client Id (32)              [KERNEL] |  24
 *  +---------------------------------------------------------------+
 *  |                  Receiver Client Id (32)             [KERNEL] |  28
 *  +---------------------------------------------------------------+
 *  |                      First Frame (32)                [KERNEL] |  32
 *  +---------------------------------------------------------------+
 *  |                      Frame Count (32)                [KERNEL] |  36
 *  +---------------------------------------------------------------+
 *  |                 Ring Capacity, bytes (32)            [KERNEL] |  40
 *  +---------------------------------------------------------------+
 *  |                 Max Message Length (32)              [KERNEL] |  44
 *  +---------------------------------------------------------------+
 *  |                     Sender End (32)                  [KERNEL] |  48, OPEN, CLOSED or DEAD; release
 *  +---------------------------------------------------------------+
 *  |                    Receiver End (32)                 [KERNEL] |  52, OPEN, CLOSED or DEAD; release
 *  +---------------------------------------------------------------+
 *  |            Kind, RING, RBUFS or FBUFS (32)           [KERNEL] |  56
 *  +---------------------------------------------------------------+
 *  |           Kind Option (32), XEN: grant mode     [KERNEL] |  60
 *  +---------------------------------------------------------------+
 * </pre>
 * Update protocol: as {@link ClientTableDescriptor}'s, a sequence lock (odd sequence, store-store fence, plain
 * stores, even sequence with release). The end words are also read alone, with acquire, on an end's idle path: each
 * is one aligned int, written with release inside the update, so a lone read never sees it torn.
 */
public final class ChannelTableDescriptor
{
    /** The slot holds no channel. */
    public static final int STATE_FREE = 0;
    /** The slot holds a channel whose frames are allocated. */
    public static final int STATE_OPEN = 1;

    /** The end's client may use it. */
    public static final int END_OPEN = 1;
    /** The end's client closed it (or its domain was destroyed, or it detached). */
    public static final int END_CLOSED = 2;
    /** The end's client was timed out by the kernel. */
    public static final int END_DEAD = 3;

    /** Offset of the sequence in a slot. */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the channel id in a slot. */
    public static final int CHANNEL_ID_OFFSET = 8;
    /** Offset of the state in a slot. */
    public static final int STATE_OFFSET = 12;
    /** Offset of the sender domain's id. */
    public static final int SENDER_DOMAIN_OFFSET = 16;
    /** Offset of the receiver domain's id. */
    public static final int RECEIVER_DOMAIN_OFFSET = 20;
    /** Offset of the sender's client id. */
    public static final int SENDER_CLIENT_OFFSET = 24;
    /** Offset of the receiver's client id. */
    public static final int RECEIVER_CLIENT_OFFSET = 28;
    /** Offset of the channel's first frame. */
    public static final int FIRST_FRAME_OFFSET = 32;
    /** Offset of the channel's frame count. */
    public static final int FRAME_COUNT_OFFSET = 36;
    /** Offset of the ring's data capacity. */
    public static final int CAPACITY_OFFSET = 40;
    /** Offset of the longest message. */
    public static final int MAX_MESSAGE_LENGTH_OFFSET = 44;
    /** Offset of the sender end's state. */
    public static final int SENDER_END_OFFSET = 48;
    /** Offset of the receiver end's state. */
    public static final int RECEIVER_END_OFFSET = 52;
    /** Offset of the channel's kind ({@link ProcessChannelDescriptor#KIND_RING}, {@code KIND_RBUFS} or FBUFS). */
    public static final int KIND_OFFSET = 56;
    /** Offset of the kind's option (a {@link ProcessChannelDescriptor#KIND_XEN} channel's grant mode, else 0). */
    public static final int KIND_OPTION_OFFSET = 60;
    /** Bytes a slot takes. */
    public static final int SLOT_LENGTH = 64;

    private ChannelTableDescriptor()
    {
    }

    /**
     * @param maxChannels slots.
     * @return bytes of a table of that many slots, whole pages.
     */
    public static int tableLength(final int maxChannels)
    {
        final int pages = MachineFileDescriptor.PAGE_LENGTH;
        return (maxChannels * SLOT_LENGTH + pages - 1) / pages * pages;
    }

    /**
     * @param tableLength a checked table length.
     * @return how many slots it holds.
     */
    public static int slots(final int tableLength)
    {
        return tableLength / SLOT_LENGTH;
    }

    /**
     * @param slot a slot index.
     * @return its offset in the table.
     */
    public static int slotOffset(final int slot)
    {
        return slot * SLOT_LENGTH;
    }

    /**
     * Writes a slot whole (update protocol above).
     *
     * @param table the channel table.
     * @param slot  the slot.
     * @param entry what it holds now; null frees it.
     */
    static void writeSlot(final AtomicBuffer table, final int slot, final ChannelEntry entry)
    {
        final int base = slotOffset(slot);
        final long sequence = table.getLong(base + SEQUENCE_OFFSET); // the kernel is the only writer
        table.putLong(base + SEQUENCE_OFFSET, sequence + 1);
        VarHandle.storeStoreFence(); // the odd sequence is seen before any field below changes
        final boolean open = entry != null;
        table.putInt(base + CHANNEL_ID_OFFSET, open ? entry.channelId : 0);
        table.putInt(base + STATE_OFFSET, open ? STATE_OPEN : STATE_FREE);
        table.putInt(base + SENDER_DOMAIN_OFFSET, open ? entry.senderDomain : 0);
        table.putInt(base + RECEIVER_DOMAIN_OFFSET, open ? entry.receiverDomain : 0);
        table.putInt(base + SENDER_CLIENT_OFFSET, open ? entry.senderClient : 0);
        table.putInt(base + RECEIVER_CLIENT_OFFSET, open ? entry.receiverClient : 0);
        table.putInt(base + FIRST_FRAME_OFFSET, open ? entry.firstFrame : 0);
        table.putInt(base + FRAME_COUNT_OFFSET, open ? entry.frameCount : 0);
        table.putInt(base + CAPACITY_OFFSET, open ? entry.capacity : 0);
        table.putInt(base + MAX_MESSAGE_LENGTH_OFFSET, open ? entry.maxMessageLength : 0);
        table.putInt(base + KIND_OFFSET, open ? entry.kind : 0);
        table.putInt(base + KIND_OPTION_OFFSET, open ? entry.kindOption : 0);
        // Release: an end that reads its peer's word alone (acquire) sees the slot's other fields as of this update.
        table.putIntRelease(base + SENDER_END_OFFSET, open ? entry.senderEnd : 0);
        table.putIntRelease(base + RECEIVER_END_OFFSET, open ? entry.receiverEnd : 0);
        // Release: a reader that sees the even sequence sees every field above.
        table.putLongRelease(base + SEQUENCE_OFFSET, sequence + 2);
    }

    /**
     * Copies a slot consistently (the reader's side of the update protocol), trusting nothing of its values.
     *
     * @param table the channel table (possibly another process's, read-only).
     * @param slot  the slot.
     * @return the channel in it, or null if the slot is free or kept changing over every try.
     */
    static ChannelEntry readSlot(final AtomicBuffer table, final int slot)
    {
        final int base = slotOffset(slot);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final long before = table.getLongAcquire(base + SEQUENCE_OFFSET);
            if ((before & 1) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final ChannelEntry entry = new ChannelEntry(table.getInt(base + CHANNEL_ID_OFFSET),
                table.getInt(base + SENDER_DOMAIN_OFFSET), table.getInt(base + RECEIVER_DOMAIN_OFFSET),
                table.getInt(base + SENDER_CLIENT_OFFSET), table.getInt(base + RECEIVER_CLIENT_OFFSET),
                table.getInt(base + FIRST_FRAME_OFFSET), table.getInt(base + FRAME_COUNT_OFFSET),
                table.getInt(base + CAPACITY_OFFSET), table.getInt(base + MAX_MESSAGE_LENGTH_OFFSET));
            entry.senderEnd = table.getInt(base + SENDER_END_OFFSET);
            entry.receiverEnd = table.getInt(base + RECEIVER_END_OFFSET);
            entry.kind = table.getInt(base + KIND_OFFSET);
            entry.kindOption = table.getInt(base + KIND_OPTION_OFFSET);
            final int state = table.getInt(base + STATE_OFFSET);
            VarHandle.loadLoadFence(); // the copies above are read before the sequence is read again
            if (table.getLong(base + SEQUENCE_OFFSET) != before)
            {
                continue;
            }
            return state == STATE_OPEN ? entry : null;
        }
        return null;
    }

    /**
     * @param table  the channel table.
     * @param slot   the channel's slot.
     * @param sender whether the sender's end word (else the receiver's).
     * @return that end's state: a lone acquire read of one word, for an end's idle path (allocates nothing).
     */
    static int endAcquire(final AtomicBuffer table, final int slot, final boolean sender)
    {
        return table.getIntAcquire(slotOffset(slot) + (sender ? SENDER_END_OFFSET : RECEIVER_END_OFFSET));
    }

    /**
     * @param table the channel table.
     * @param slot  a slot.
     * @return the channel id in it, read alone (acquire): a cheap check that the slot still holds one's channel.
     */
    static int channelIdAcquire(final AtomicBuffer table, final int slot)
    {
        return table.getIntAcquire(slotOffset(slot) + CHANNEL_ID_OFFSET);
    }
}
