package io.barge.grant;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of a shared descriptor ring (the model is Xen's {@code io/ring.h}): one or more pages shared by a
 * frontend (which makes them, grants them and writes requests) and a backend (which maps them, consumes requests
 * and writes responses). Request {@code i} and its response share slot {@code i mod size}: the backend overwrites a
 * request it has consumed with its response. Indices are free-running 32-bit counters compared by difference.
 * <p>
 * Section diagram (each index on its own two cache lines, against false sharing and the adjacent-line prefetcher):
 * <pre>
 *  +------------------------------+ 0
 *  | header: magic, version,      |   [FRONT] written once at init, checked by the backend on attach
 *  | slot count, slot length      |
 *  +------------------------------+ 64
 *  | user area                    |   the ring user's own fields (Xen's pvt pad), zero at init
 *  +------------------------------+ 128
 *  | req_prod                     |   [FRONT]  requests published
 *  +------------------------------+ 256
 *  | req_event                    |   [BACK]   notify me when req_prod passes this
 *  +------------------------------+ 384
 *  | rsp_prod                     |   [BACK]   responses published
 *  +------------------------------+ 512
 *  | rsp_event                    |   [FRONT]  notify me when rsp_prod passes this
 *  +------------------------------+ 640
 *  | slot 0 .. slot size-1        |   request [FRONT], then its response [BACK]
 *  +------------------------------+
 * </pre>
 * Header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                         Magic [FRONT]                         |
 *  +---------------------------------------------------------------+
 *  |                        Version [FRONT]                        |
 *  +---------------------------------------------------------------+
 *  |              Slot count (a power of two) [FRONT]              |
 *  +---------------------------------------------------------------+
 *  |             Slot length (a multiple of 8) [FRONT]             |
 *  +---------------------------------------------------------------+
 * </pre>
 * Publish protocol (either side; requests shown, responses are the same with rsp_prod/rsp_event):
 * <ol>
 *   <li>write the slots {@code [req_prod, req_prod_pvt)} (plain stores);</li>
 *   <li>release-store req_prod = req_prod_pvt: the backend that reads req_prod (acquire) sees the slots;</li>
 *   <li>full fence: the store of req_prod must be visible before req_event is read (the backend's final check
 *       writes req_event and then, after its own full fence, re-reads req_prod: one of the two sides sees the
 *       other's store, so no wake-up is lost);</li>
 *   <li>notify if req_event lies in {@code (old req_prod, new req_prod]}.</li>
 * </ol>
 * Consume protocol: acquire-read req_prod once, check it is at most a ring ahead (else the peer is broken),
 * copy each slot once into private memory, then validate and act on the copy.
 */
public final class SharedRingDescriptor
{
    /** "RING". */
    public static final int MAGIC = 0x474E_4952;
    /** Layout version. */
    public static final int VERSION = 1;
    /** Bytes between indices: two cache lines. */
    public static final int INDEX_SPACING = 128;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the slot count. */
    public static final int SLOT_COUNT_OFFSET = 8;
    /** Offset of the slot length. */
    public static final int SLOT_LENGTH_OFFSET = 12;
    /** Offset of the user area: bytes of the header a ring's user lays out itself, zeroed at init. */
    public static final int USER_OFFSET = 64;
    /** Bytes of the user area. */
    public static final int USER_LENGTH = 64;
    /** Offset of req_prod. */
    public static final int REQ_PROD_OFFSET = INDEX_SPACING;
    /** Offset of req_event. */
    public static final int REQ_EVENT_OFFSET = 2 * INDEX_SPACING;
    /** Offset of rsp_prod. */
    public static final int RSP_PROD_OFFSET = 3 * INDEX_SPACING;
    /** Offset of rsp_event. */
    public static final int RSP_EVENT_OFFSET = 4 * INDEX_SPACING;
    /** Offset of slot 0. */
    public static final int SLOTS_OFFSET = 5 * INDEX_SPACING;

    private SharedRingDescriptor()
    {
    }

    /**
     * @param ringLength bytes of shared memory.
     * @param slotLength bytes per slot.
     * @return the most slots (a power of two) that fit, as Xen's {@code __RING_SIZE}.
     * @throws IllegalArgumentException if not even one fits or the slot length is not a positive multiple of 8.
     */
    public static int slotCount(final int ringLength, final int slotLength)
    {
        checkSlotLength(slotLength);
        final int fit = (ringLength - SLOTS_OFFSET) / slotLength;
        if (ringLength <= SLOTS_OFFSET || fit < 1)
        {
            throw new IllegalArgumentException("ringLength=" + ringLength + " holds no slot of slotLength=" +
                slotLength + " after a " + SLOTS_OFFSET + "-byte header");
        }
        return Integer.highestOneBit(fit);
    }

    /**
     * @param slotLength bytes per slot.
     * @throws IllegalArgumentException unless a positive multiple of 8.
     */
    public static void checkSlotLength(final int slotLength)
    {
        if (slotLength <= 0 || (slotLength & 7) != 0)
        {
            throw new IllegalArgumentException("slotLength=" + slotLength + " must be a positive multiple of 8");
        }
    }

    /**
     * Copies a slot into private memory word by word: each shared word is read once (the consume protocol's one
     * read), and for a slot of a few words this costs less than a general memory copy's checks and call.
     *
     * @param ring       the shared ring.
     * @param offset     the slot's offset in it.
     * @param dst        private memory.
     * @param dstIndex   where in it.
     * @param slotLength bytes per slot, a multiple of 8 ({@link #checkSlotLength}).
     */
    public static void copySlot(final AtomicBuffer ring, final int offset, final MutableDirectBuffer dst,
        final int dstIndex, final int slotLength)
    {
        for (int i = 0; i < slotLength; i += 8)
        {
            dst.putLong(dstIndex + i, ring.getLong(offset + i));
        }
    }

    /**
     * @param index      a free-running index.
     * @param mask       slot count minus one.
     * @param slotLength bytes per slot.
     * @return the slot's offset.
     */
    public static int slotOffset(final int index, final int mask, final int slotLength)
    {
        return SLOTS_OFFSET + (index & mask) * slotLength;
    }

    /**
     * Initialises a ring ({@code SHARED_RING_INIT}): header, producers 0, events 1.
     *
     * @param ring       the shared memory.
     * @param slotCount  slots (from {@link #slotCount}).
     * @param slotLength bytes per slot.
     */
    public static void init(final AtomicBuffer ring, final int slotCount, final int slotLength)
    {
        ring.setMemory(0, SLOTS_OFFSET, (byte)0);
        ring.putInt(SLOT_COUNT_OFFSET, slotCount);
        ring.putInt(SLOT_LENGTH_OFFSET, slotLength);
        ring.putInt(VERSION_OFFSET, VERSION);
        ring.putInt(REQ_EVENT_OFFSET, 1);
        ring.putInt(RSP_EVENT_OFFSET, 1);
        // Release: a backend that sees the magic sees the rest of the header and the indices.
        ring.putIntRelease(MAGIC_OFFSET, MAGIC);
    }

    /**
     * @param ring the shared memory.
     * @return the magic (acquire).
     */
    public static int magicVolatile(final AtomicBuffer ring)
    {
        return ring.getIntVolatile(MAGIC_OFFSET);
    }

    /**
     * @param ring the shared memory.
     * @return the version.
     */
    public static int version(final AtomicBuffer ring)
    {
        return ring.getInt(VERSION_OFFSET);
    }

    /**
     * @param ring the shared memory.
     * @return the slot count the header states (untrusted on the backend's side).
     */
    public static int slotCountField(final AtomicBuffer ring)
    {
        return ring.getInt(SLOT_COUNT_OFFSET);
    }

    /**
     * @param ring the shared memory.
     * @return the slot length the header states (untrusted on the backend's side).
     */
    public static int slotLengthField(final AtomicBuffer ring)
    {
        return ring.getInt(SLOT_LENGTH_OFFSET);
    }

    /**
     * @param ring the shared memory.
     * @return req_prod (acquire: the slots before it are visible).
     */
    public static int reqProdVolatile(final AtomicBuffer ring)
    {
        return ring.getIntVolatile(REQ_PROD_OFFSET);
    }

    /**
     * @param ring  the shared memory.
     * @param value req_prod (release: the slots before it are written first).
     */
    public static void reqProdRelease(final AtomicBuffer ring, final int value)
    {
        ring.putIntRelease(REQ_PROD_OFFSET, value);
    }

    /**
     * @param ring the shared memory.
     * @return req_event.
     */
    public static int reqEventVolatile(final AtomicBuffer ring)
    {
        return ring.getIntVolatile(REQ_EVENT_OFFSET);
    }

    /**
     * @param ring  the shared memory.
     * @param value req_event.
     */
    public static void reqEventRelease(final AtomicBuffer ring, final int value)
    {
        ring.putIntRelease(REQ_EVENT_OFFSET, value);
    }

    /**
     * @param ring the shared memory.
     * @return rsp_prod (acquire).
     */
    public static int rspProdVolatile(final AtomicBuffer ring)
    {
        return ring.getIntVolatile(RSP_PROD_OFFSET);
    }

    /**
     * @param ring  the shared memory.
     * @param value rsp_prod (release).
     */
    public static void rspProdRelease(final AtomicBuffer ring, final int value)
    {
        ring.putIntRelease(RSP_PROD_OFFSET, value);
    }

    /**
     * @param ring the shared memory.
     * @return rsp_event.
     */
    public static int rspEventVolatile(final AtomicBuffer ring)
    {
        return ring.getIntVolatile(RSP_EVENT_OFFSET);
    }

    /**
     * @param ring  the shared memory.
     * @param value rsp_event.
     */
    public static void rspEventRelease(final AtomicBuffer ring, final int value)
    {
        ring.putIntRelease(RSP_EVENT_OFFSET, value);
    }
}
