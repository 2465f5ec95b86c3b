package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Layout of the machine file's client table: a fixed slot per attached client process, written by the kernel's
 * {@link KernelConductor} alone, so that {@code barge stat} (or any reader) can show who is attached, how fresh
 * their keepalives are, and which domains each owns. Clients map the table read-only; nothing in it is trusted by
 * the kernel, which keeps its own state on its heap and only mirrors it here.
 * <p>
 * Slot, {@link #SLOT_LENGTH} bytes:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Sequence (64)                   [KERNEL] |  0, odd while the slot changes
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Client Id (32)                  [KERNEL] |  8
 *  +---------------------------------------------------------------+
 *  |                        State (32)                    [KERNEL] |  12, FREE or ACTIVE
 *  +---------------------------------------------------------------+
 *  |               Client PID, as it declared (64)        [KERNEL] |  16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Attach Timestamp, epoch ms (64)       [KERNEL] |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        Heartbeat Timestamp, epoch ms (64)            [KERNEL] |  32, the last keepalive the kernel took
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Domain Count (32)                [KERNEL] |  40, 0..MAX_DOMAINS_PER_CLIENT
 *  +---------------------------------------------------------------+
 *  |                       Reserved (32)                           |  44
 *  +---------------------------------------------------------------+
 *  |            Domain Ids, MAX_DOMAINS_PER_CLIENT x (32) [KERNEL] |  48
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * Update protocol (the kernel, one thread), a sequence lock so that a reader never takes half an update:
 * <ol>
 *   <li>Sequence := s + 1 (odd), then a store-store fence: the odd value is visible before any field changes.</li>
 *   <li>Writes the fields with plain stores.</li>
 *   <li>Sequence := s + 2 with release: a reader that sees it sees every field written before.</li>
 * </ol>
 * A reader reads the sequence (acquire), copies the fields, issues a load-load fence, reads the sequence again, and
 * keeps the copy only if both reads were equal and even; otherwise it retries, a bounded number of times.
 */
public final class ClientTableDescriptor
{
    /** The slot holds no client. */
    public static final int STATE_FREE = 0;
    /** The slot holds an attached client. */
    public static final int STATE_ACTIVE = 1;

    /** Domains a client may own at once. */
    public static final int MAX_DOMAINS_PER_CLIENT = 32;

    /** Offset of the sequence in a slot. */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the client id in a slot. */
    public static final int CLIENT_ID_OFFSET = 8;
    /** Offset of the state in a slot. */
    public static final int STATE_OFFSET = 12;
    /** Offset of the client's pid in a slot. */
    public static final int PID_OFFSET = 16;
    /** Offset of the attach time in a slot. */
    public static final int ATTACH_TIMESTAMP_OFFSET = 24;
    /** Offset of the last keepalive's time in a slot. */
    public static final int HEARTBEAT_TIMESTAMP_OFFSET = 32;
    /** Offset of the domain count in a slot. */
    public static final int DOMAIN_COUNT_OFFSET = 40;
    /** Offset of the domain ids in a slot. */
    public static final int DOMAIN_IDS_OFFSET = 48;
    /** Bytes a slot takes: a power of two, so slots never straddle a page. */
    public static final int SLOT_LENGTH = 256;

    private ClientTableDescriptor()
    {
    }

    /**
     * @param maxClients slots.
     * @return bytes of a table of that many slots, whole pages.
     */
    public static int tableLength(final int maxClients)
    {
        final int pages = MachineFileDescriptor.PAGE_LENGTH;
        return (maxClients * SLOT_LENGTH + pages - 1) / pages * pages;
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
     * @param index which domain of the slot's list.
     * @return its offset in a slot.
     */
    public static int domainIdOffset(final int index)
    {
        return DOMAIN_IDS_OFFSET + index * Integer.BYTES;
    }

    /**
     * Writes a slot whole (update protocol above).
     *
     * @param table       the client table.
     * @param slot        the slot.
     * @param clientId    the client's id, or 0 for a freed slot.
     * @param state       {@link #STATE_FREE} or {@link #STATE_ACTIVE}.
     * @param pid         the pid the client declared.
     * @param attachMs    when it attached.
     * @param heartbeatMs its last keepalive.
     * @param domainIds   the domains it owns ({@code domainCount} of them used).
     * @param domainCount how many, at most {@link #MAX_DOMAINS_PER_CLIENT}.
     */
    public static void writeSlot(final AtomicBuffer table, final int slot, final int clientId, final int state,
        final long pid, final long attachMs, final long heartbeatMs, final int[] domainIds, final int domainCount)
    {
        final int base = slotOffset(slot);
        final long sequence = table.getLong(base + SEQUENCE_OFFSET); // the kernel is the only writer
        table.putLong(base + SEQUENCE_OFFSET, sequence + 1);
        VarHandle.storeStoreFence(); // the odd sequence is seen before any field below changes
        table.putInt(base + CLIENT_ID_OFFSET, clientId);
        table.putInt(base + STATE_OFFSET, state);
        table.putLong(base + PID_OFFSET, pid);
        table.putLong(base + ATTACH_TIMESTAMP_OFFSET, attachMs);
        table.putLong(base + HEARTBEAT_TIMESTAMP_OFFSET, heartbeatMs);
        table.putInt(base + DOMAIN_COUNT_OFFSET, domainCount);
        for (int i = 0; i < MAX_DOMAINS_PER_CLIENT; i++)
        {
            table.putInt(base + domainIdOffset(i), i < domainCount ? domainIds[i] : 0);
        }
        // Release: a reader that sees the even sequence sees every field above.
        table.putLongRelease(base + SEQUENCE_OFFSET, sequence + 2);
    }

    /**
     * Updates a slot's heartbeat alone (update protocol above: no allocation, for each keepalive).
     *
     * @param table       the client table.
     * @param slot        the slot.
     * @param heartbeatMs the keepalive's time.
     */
    public static void heartbeat(final AtomicBuffer table, final int slot, final long heartbeatMs)
    {
        final int base = slotOffset(slot);
        final long sequence = table.getLong(base + SEQUENCE_OFFSET);
        table.putLong(base + SEQUENCE_OFFSET, sequence + 1);
        VarHandle.storeStoreFence(); // as in writeSlot
        table.putLong(base + HEARTBEAT_TIMESTAMP_OFFSET, heartbeatMs);
        table.putLongRelease(base + SEQUENCE_OFFSET, sequence + 2);
    }

    /**
     * Copies a slot consistently (the reader's side of the update protocol), trusting nothing of its values.
     *
     * @param table the client table (possibly another process's, read-only).
     * @param slot  the slot.
     * @return the client in it, or null if the slot is free, kept changing over every try, or holds values out of
     *         range.
     */
    public static MachineClientInfo readSlot(final AtomicBuffer table, final int slot)
    {
        final int base = slotOffset(slot);
        final int[] ids = new int[MAX_DOMAINS_PER_CLIENT];
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final long before = table.getLongAcquire(base + SEQUENCE_OFFSET);
            if ((before & 1) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final int clientId = table.getInt(base + CLIENT_ID_OFFSET);
            final int state = table.getInt(base + STATE_OFFSET);
            final long pid = table.getLong(base + PID_OFFSET);
            final long attachMs = table.getLong(base + ATTACH_TIMESTAMP_OFFSET);
            final long heartbeatMs = table.getLong(base + HEARTBEAT_TIMESTAMP_OFFSET);
            final int count = table.getInt(base + DOMAIN_COUNT_OFFSET);
            for (int i = 0; i < MAX_DOMAINS_PER_CLIENT; i++)
            {
                ids[i] = table.getInt(base + domainIdOffset(i));
            }
            VarHandle.loadLoadFence(); // the copies above are read before the sequence is read again
            if (table.getLong(base + SEQUENCE_OFFSET) != before)
            {
                continue;
            }
            if (state != STATE_ACTIVE || count < 0 || count > MAX_DOMAINS_PER_CLIENT)
            {
                return null;
            }
            return new MachineClientInfo(clientId, pid, attachMs, heartbeatMs, Arrays.copyOf(ids, count));
        }
        return null;
    }
}
