package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of a Xen device channel between client processes ({@link ProcessChannelDescriptor#KIND_XEN}), in the run
 * of frames the kernel allocated for it: the front end's (the sender's) grant table, the pages it grants, and one
 * shared request/response ring in the layout of Xen's {@code io/ring.h}, with event indices. The front end writes a
 * message into pages it granted to the back end (the receiver) and pushes a request naming them by (grant reference,
 * offset, length); the back end answers with a response by request id when it is done, which gives the pages back.
 * Neither end trusts the other, nor does the kernel (the hypervisor here) trust either: each copies a shared value
 * once, validates it, then uses it.
 * <p>
 * Region, {@code frameCount} frames:
 * <pre>
 *   +------------------------------+ 0
 *   |  Header (the first frame)    |  {@link ProcessChannelDescriptor}'s: identity, the ends' counters
 *   +------------------------------+ frameSize
 *   |  Shared ring                 |  ringFrames: indices, then {@code slots} request/response slots
 *   +------------------------------+ frameSize * (1 + ringFrames)
 *   |  Grant table                 |  grantFrames: 1 + poolPages entries; entry 0 is the table's header
 *   +------------------------------+ frameSize * (1 + ringFrames + grantFrames)
 *   |  Pool                        |  poolPages = buffers * pagesPerBuffer pages: the front end writes them,
 *   |                              |  grant reference r names pool page r - 1
 *   +------------------------------+ ... + poolPages * frameSize
 *   |  Copy area (COPY mode only)  |  poolPages pages: the back end's private pages, written only by the
 *   |                              |  kernel's grant copies, read (only) by the back end
 *   +------------------------------+
 * </pre>
 * Shared ring (the model is {@code io/ring.h}; indices are free-running 32-bit counters compared by difference):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Magic, Version, Slot Count, Slot Length     [KERNEL] |  0, SHARED_RING_INIT at layout
 *  +---------------------------------------------------------------+
 *  |                  End Of Stream (64)                   [FRONT] |  64, 0, or 1 + the requests pushed
 *  |                                                               |      before the finish; release
 *  +---------------------------------------------------------------+
 *  |               Requests Notified (64)                  [FRONT] |  72, pushes req_event asked for
 *  +---------------------------------------------------------------+
 *  |              Responses Notified (64)                   [BACK] |  80, pushes rsp_event asked for
 *  +---------------------------------------------------------------+
 *  |                      req_prod (32)                    [FRONT] |  128, requests pushed; release
 *  +---------------------------------------------------------------+
 *  |                      req_event (32)                    [BACK] |  256, "notify me past this"
 *  +---------------------------------------------------------------+
 *  |                      rsp_prod (32)                     [BACK] |  384, responses pushed; release
 *  +---------------------------------------------------------------+
 *  |                      rsp_event (32)                   [FRONT] |  512, "notify me past this"
 *  +---------------------------------------------------------------+
 *  |    slots * {@link #SLOT_LENGTH}: request [FRONT], then its response [BACK] in a consumed slot       |  640
 *  +---------------------------------------------------------------+
 * </pre>
 * Request [FRONT] (after {@code blkif_request}: a message is up to {@link #MAX_SEGMENTS} page segments):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                Request Id: the front end's buffer (32)        |  0, in [0, buffers), not in flight
 *  +---------------------------------------------------------------+
 *  |                       Flags, 0 (32)                           |  4
 *  +---------------------------------------------------------------+
 *  |                  Message Length, bytes (32)                   |  8, 1..maxMessageLength
 *  +---------------------------------------------------------------+
 *  |                      Segment Count (32)                       |  12, 1..pagesPerBuffer
 *  +---------------------------------------------------------------+
 *  |                  Segment 0: Grant Reference (32)              |  16, in [1, 1 + poolPages)
 *  +-------------------------------+-------------------------------+
 *  |   Segment 0: Offset (16)      |   Segment 0: Length (16)      |  20, offset + length <= frameSize
 *  +-------------------------------+-------------------------------+
 *  |                      ... up to segment 15                    ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Response [BACK]: Request Id (32) at 0, Status (32) at 4, {@link #RSP_OKAY} or {@link #RSP_ERROR}.
 * <p>
 * Grant entry (Xen's {@code grant_entry_v1}, one 64-bit status word: flags low, granted domain high, always read and
 * written whole, as the in-process grant tables do):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Reserved (zero)                  |W|R|O|0|P|  P GTF_permit_access, O GTF_readonly [FRONT];
 *  |                                                   |         |  R GTF_reading, W GTF_writing [KERNEL]
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Granted Domain Id (32)               [FRONT] |
 *  +---------------------------------------------------------------+
 *  |                        Frame (32)                     [FRONT] |  must be pool page ref - 1's frame
 *  +---------------------------------------------------------------+
 *  |                        Reserved (32)                          |
 *  +---------------------------------------------------------------+
 * </pre>
 * Entry 0 holds the table's header [KERNEL]: magic, version, entries.
 * <p>
 * Grant protocol (the front end, GTF discipline of {@code grant_table.h}):
 * <ol>
 *   <li>writes the frame, and the status word with the granted domain and no flags (plain stores);</li>
 *   <li>release-stores the status word with {@link #GTF_PERMIT_ACCESS} | {@link #GTF_READONLY}: the kernel that
 *       reads it (acquire) sees the frame.</li>
 * </ol>
 * Use (the kernel, on the back end's GRANT_OP): reads the status word once (acquire), checks permit, domain = the
 * channel's receiver, read-only; compare-and-sets it to the same with {@link #GTF_READING}; only then reads the
 * frame once and checks it is the pool page the reference names (else clears the bit and refuses). A persistent map
 * keeps the bit until the channel is freed; a copy clears it (atomic) when done. End of access (the front end, on a
 * response): compare-and-set the status word from a value without the kernel's bits to 0; a set bit means the
 * grant is still in use and the back end answered too early.
 * <p>
 * Push (the front end): writes the request slot (plain), release-stores req_prod, full fence (the store of req_prod
 * is visible before req_event is read), then counts a notification if req_event lies in {@code (old, new]}: the
 * back end polls, so a notification is only counted, but the suppression protocol is Xen's. Consume (the back end):
 * acquire-reads req_prod, checks it at most {@code slots} ahead of its responses ({@code RING_REQUEST_PROD_OVERFLOW}),
 * copies each request once, validates it; finding none, it stores req_event = req_cons + 1, full fence, reads
 * req_prod again ({@code RING_FINAL_CHECK_FOR_REQUESTS}). Responses the same way with rsp_prod, rsp_event.
 */
public final class XenChannelDescriptor
{
    /** Grant mode: every pool page granted and mapped once (persistent grants); nothing per message. */
    public static final int MODE_PERSISTENT = 0;
    /** Grant mode: the front end grants a message's pages per message; the kernel grant-copies them. */
    public static final int MODE_COPY = 1;

    /** "RING". */
    public static final int RING_MAGIC = 0x474E_4952;
    /** Ring layout version. */
    public static final int RING_VERSION = 1;
    /** Offset of the ring's magic. */
    public static final int RING_MAGIC_OFFSET = 0;
    /** Offset of the ring's version. */
    public static final int RING_VERSION_OFFSET = 4;
    /** Offset of the ring's slot count. */
    public static final int SLOT_COUNT_OFFSET = 8;
    /** Offset of the ring's slot length. */
    public static final int SLOT_LENGTH_OFFSET = 12;
    /** Offset of the end-of-stream word. */
    public static final int END_OF_STREAM_OFFSET = 64;
    /** Offset of the front end's count of notifications req_event asked for. */
    public static final int REQ_NOTIFIED_OFFSET = 72;
    /** Offset of the back end's count of notifications rsp_event asked for. */
    public static final int RSP_NOTIFIED_OFFSET = 80;
    /** Offset of req_prod. */
    public static final int REQ_PROD_OFFSET = 128;
    /** Offset of req_event. */
    public static final int REQ_EVENT_OFFSET = 256;
    /** Offset of rsp_prod. */
    public static final int RSP_PROD_OFFSET = 384;
    /** Offset of rsp_event. */
    public static final int RSP_EVENT_OFFSET = 512;
    /** Offset of slot 0. */
    public static final int SLOTS_OFFSET = 640;

    /** Offset of a request's (and a response's) id. */
    public static final int ID_OFFSET = 0;
    /** Offset of a request's flags. */
    public static final int FLAGS_OFFSET = 4;
    /** Offset of a request's message length. */
    public static final int LENGTH_OFFSET = 8;
    /** Offset of a request's segment count. */
    public static final int SEGMENT_COUNT_OFFSET = 12;
    /** Offset of segment 0. */
    public static final int SEGMENTS_OFFSET = 16;
    /** Bytes of a segment: reference (32), offset (16), length (16). */
    public static final int SEGMENT_LENGTH = 8;
    /** Segments a request holds (no indirect pages): a message is at most this many pages. */
    public static final int MAX_SEGMENTS = 16;
    /** Bytes of a slot. */
    public static final int SLOT_LENGTH = SEGMENTS_OFFSET + MAX_SEGMENTS * SEGMENT_LENGTH;
    /** Offset of a response's status. */
    public static final int STATUS_OFFSET = 4;
    /** Response status: released. */
    public static final int RSP_OKAY = 0;
    /** Response status: refused (a bad grant); the channel is broken after it. */
    public static final int RSP_ERROR = -1;

    /** Bytes of a grant entry. */
    public static final int ENTRY_LENGTH = 16;
    /** Offset of an entry's status word (flags low, domain high). */
    public static final int ENTRY_STATUS_OFFSET = 0;
    /** Offset of an entry's frame. */
    public static final int ENTRY_FRAME_OFFSET = 8;
    /** [FRONT] The granted domain may use the frame. */
    public static final int GTF_PERMIT_ACCESS = 1;
    /** [FRONT] Only to read. */
    public static final int GTF_READONLY = 1 << 2;
    /** [KERNEL] In use (mapped, or being copied). */
    public static final int GTF_READING = 1 << 3;
    /** [KERNEL] In writable use (never set here: every grant is read-only). */
    public static final int GTF_WRITING = 1 << 4;
    /** "GNTT", in entry 0. */
    public static final int TABLE_MAGIC = 0x544E_4E47;
    /** Grant table layout version. */
    public static final int TABLE_VERSION = 1;
    /** Offset of the table header's magic. */
    public static final int TABLE_MAGIC_OFFSET = 0;
    /** Offset of the table header's version. */
    public static final int TABLE_VERSION_OFFSET = 4;
    /** Offset of the table header's entry count. */
    public static final int TABLE_ENTRIES_OFFSET = 8;
    /** Reference 0 holds the header and is never granted. */
    public static final int FIRST_REF = 1;

    /** Frame of the channel's run where the ring starts: after the header. */
    public static final int RING_FRAME = 1;
    /** Largest frame size a segment's 16-bit offset and length can address. */
    public static final int MAX_FRAME_SIZE = 32 * 1024;
    /** Fewest buffers (one being filled while one is read). */
    public static final int MIN_BUFFERS = 2;
    /** Most buffers (the ring's slots). */
    public static final int MAX_BUFFERS = 256;

    private XenChannelDescriptor()
    {
    }

    /**
     * @param maxMessageLength longest message.
     * @param frameSize        the memory's frame size.
     * @return pages a buffer takes.
     */
    public static int pagesPerBuffer(final int maxMessageLength, final int frameSize)
    {
        return (maxMessageLength + frameSize - 1) / frameSize;
    }

    /**
     * @param maxMessageLength longest message.
     * @param frameSize        the memory's frame size.
     * @return bytes from one buffer's start to the next: whole pages.
     */
    public static int stride(final int maxMessageLength, final int frameSize)
    {
        return pagesPerBuffer(maxMessageLength, frameSize) * frameSize;
    }

    /**
     * @param capacity         pool bytes.
     * @param maxMessageLength longest message.
     * @param frameSize        the memory's frame size.
     * @param mode             {@link #MODE_PERSISTENT} or {@link #MODE_COPY}.
     * @return null if a Xen channel may have these sizes, else the broken rule with values.
     */
    public static String checkSizes(final int capacity, final int maxMessageLength, final int frameSize,
        final int mode)
    {
        if (mode != MODE_PERSISTENT && mode != MODE_COPY)
        {
            return "grant mode=" + mode + " is neither " + MODE_PERSISTENT + " (persistent) nor " + MODE_COPY +
                " (copy)";
        }
        if (frameSize > MAX_FRAME_SIZE)
        {
            return "frameSize=" + frameSize + " is larger than a segment's 16 bits address (" + MAX_FRAME_SIZE + ")";
        }
        if (maxMessageLength < 1 || maxMessageLength > MAX_SEGMENTS * frameSize)
        {
            return "maxMessageLength=" + maxMessageLength + " must be in [1, " + MAX_SEGMENTS * frameSize + "] (" +
                MAX_SEGMENTS + " pages, the segments of a request)";
        }
        final int stride = stride(maxMessageLength, frameSize);
        final int buffers = capacity / stride;
        if (capacity <= 0 || capacity % stride != 0 || buffers < MIN_BUFFERS || buffers > MAX_BUFFERS ||
            Integer.bitCount(buffers) != 1)
        {
            return "capacity=" + capacity + " must be a power of two in [" + MIN_BUFFERS + ", " + MAX_BUFFERS +
                "] of buffers of " + stride + " bytes (maxMessageLength=" + maxMessageLength + " in whole pages)";
        }
        return null;
    }

    /**
     * @param capacity         checked pool bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @return buffers in the pool: the ring's slots too.
     */
    public static int bufferCount(final int capacity, final int maxMessageLength, final int frameSize)
    {
        return capacity / stride(maxMessageLength, frameSize);
    }

    /**
     * @param slots     ring slots.
     * @param frameSize the memory's frame size.
     * @return whole frames of the ring.
     */
    public static int ringFrames(final int slots, final int frameSize)
    {
        return (SLOTS_OFFSET + slots * SLOT_LENGTH + frameSize - 1) / frameSize;
    }

    /**
     * @param poolPages pages granted.
     * @param frameSize the memory's frame size.
     * @return whole frames of the grant table (its header entry and one entry per pool page).
     */
    public static int grantFrames(final int poolPages, final int frameSize)
    {
        return ((FIRST_REF + poolPages) * ENTRY_LENGTH + frameSize - 1) / frameSize;
    }

    /**
     * @param capacity         checked pool bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @return frame of the channel's run where the grant table starts.
     */
    public static int grantFrame(final int capacity, final int maxMessageLength, final int frameSize)
    {
        return RING_FRAME + ringFrames(bufferCount(capacity, maxMessageLength, frameSize), frameSize);
    }

    /**
     * @param capacity         checked pool bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @return frame of the channel's run where the pool starts.
     */
    public static int poolFrame(final int capacity, final int maxMessageLength, final int frameSize)
    {
        return grantFrame(capacity, maxMessageLength, frameSize) + grantFrames(capacity / frameSize, frameSize);
    }

    /**
     * @param capacity         checked pool bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @param mode             the grant mode.
     * @return frames the channel takes.
     */
    public static int frameCount(final int capacity, final int maxMessageLength, final int frameSize,
        final int mode)
    {
        final int poolPages = capacity / frameSize;
        return poolFrame(capacity, maxMessageLength, frameSize) + (mode == MODE_COPY ? 2 : 1) * poolPages;
    }

    /**
     * Lays out the ring and the grant table's header in zeroed frames (the kernel, before any end maps them).
     *
     * @param ring       the ring's frames.
     * @param slots      its slots.
     * @param table      the grant table's frames.
     * @param entries    its entries, header included.
     */
    public static void init(final AtomicBuffer ring, final int slots, final AtomicBuffer table, final int entries)
    {
        table.putInt(TABLE_MAGIC_OFFSET, TABLE_MAGIC);
        table.putInt(TABLE_VERSION_OFFSET, TABLE_VERSION);
        table.putInt(TABLE_ENTRIES_OFFSET, entries);
        ring.putInt(RING_VERSION_OFFSET, RING_VERSION);
        ring.putInt(SLOT_COUNT_OFFSET, slots);
        ring.putInt(SLOT_LENGTH_OFFSET, SLOT_LENGTH);
        ring.putInt(REQ_EVENT_OFFSET, 1);
        ring.putInt(RSP_EVENT_OFFSET, 1);
        // Release: an end that sees the magic sees the ring's header, the events and the table's header.
        ring.putIntRelease(RING_MAGIC_OFFSET, RING_MAGIC);
    }

    /**
     * @param ring  the ring.
     * @param slots its slots (a checked value, not the header's).
     * @return null if the ring's header is what the kernel laid out for that many slots, else what differs.
     */
    public static String checkRing(final AtomicBuffer ring, final int slots)
    {
        final int magic = ring.getIntAcquire(RING_MAGIC_OFFSET);
        final int version = ring.getInt(RING_VERSION_OFFSET);
        final int count = ring.getInt(SLOT_COUNT_OFFSET);
        final int length = ring.getInt(SLOT_LENGTH_OFFSET);
        return magic == RING_MAGIC && version == RING_VERSION && count == slots && length == SLOT_LENGTH ? null :
            "ring header magic=0x" + Integer.toHexString(magic) + " version=" + version + " slots=" + count +
            " slotLength=" + length + ", expected 0x" + Integer.toHexString(RING_MAGIC) + " " + RING_VERSION + " " +
            slots + " " + SLOT_LENGTH;
    }

    /**
     * @param index a free-running index.
     * @param mask  slots - 1.
     * @return its slot's offset in the ring.
     */
    public static int slotOffset(final int index, final int mask)
    {
        return SLOTS_OFFSET + (index & mask) * SLOT_LENGTH;
    }

    /**
     * @param slot    a slot's offset.
     * @param segment a segment's index.
     * @return the segment's offset in the ring.
     */
    public static int segmentOffset(final int slot, final int segment)
    {
        return slot + SEGMENTS_OFFSET + segment * SEGMENT_LENGTH;
    }

    /**
     * @param ring   the ring.
     * @param offset an index's offset.
     * @return its value (acquire: pairs with its writer's release).
     */
    public static int indexAcquire(final AtomicBuffer ring, final int offset)
    {
        return ring.getIntAcquire(offset);
    }

    /**
     * @param ring   the ring.
     * @param offset an index's offset.
     * @param value  its new value, from its one writer.
     */
    public static void indexRelease(final AtomicBuffer ring, final int offset, final int value)
    {
        // Release: the peer that reads it (acquire) sees the slots written before it.
        ring.putIntRelease(offset, value);
    }

    /**
     * The producer's notification check after a push ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}).
     *
     * @param ring        the ring.
     * @param eventOffset {@link #REQ_EVENT_OFFSET} or {@link #RSP_EVENT_OFFSET}: the consumer's event index.
     * @param old         the producer index before the push.
     * @param now         the producer index after it, stored with release already.
     * @return whether the consumer asked to be notified of this push.
     */
    public static boolean pushNeedsNotify(final AtomicBuffer ring, final int eventOffset, final int old,
        final int now)
    {
        // Full fence (volatile read after the release store): the consumer's final check sets the event and then
        // re-reads the producer index after its own fence, so one side sees the other's store.
        java.lang.invoke.VarHandle.fullFence();
        final int event = ring.getIntVolatile(eventOffset);
        return now - event < now - old;
    }

    /**
     * The consumer's half of the final check: asks to be notified of the next push, then fences.
     *
     * @param ring        the ring.
     * @param eventOffset {@link #REQ_EVENT_OFFSET} or {@link #RSP_EVENT_OFFSET}.
     * @param next        the consumer index + 1.
     */
    public static void askToBeNotified(final AtomicBuffer ring, final int eventOffset, final int next)
    {
        ring.putIntRelease(eventOffset, next);
        // Full fence: the event is visible before the producer index is read again (the producer's pushNeedsNotify).
        java.lang.invoke.VarHandle.fullFence();
    }

    /**
     * @param ref a grant reference.
     * @return its entry's offset in the grant table (its frame {@code offset / frameSize}, at {@code offset %
     *         frameSize} in it).
     */
    public static int entryOffset(final int ref)
    {
        return ref * ENTRY_LENGTH;
    }

    /**
     * @param flags  flag bits.
     * @param domain the granted domain.
     * @return the status word.
     */
    public static long statusWord(final int flags, final int domain)
    {
        return ((long)domain << 32) | (flags & 0xFFFF_FFFFL);
    }

    /**
     * @param status a status word.
     * @return its flags.
     */
    public static int flags(final long status)
    {
        return (int)status;
    }

    /**
     * @param status a status word.
     * @return its granted domain.
     */
    public static int domain(final long status)
    {
        return (int)(status >>> 32);
    }

    /**
     * Grants a page (the grant protocol above, both steps).
     *
     * @param table  the grant table (or the frame of it that holds the entry).
     * @param entry  the entry's offset in {@code table} ({@link #entryOffset}).
     * @param domain the granted domain.
     * @param frame  the page's frame.
     */
    public static void grant(final AtomicBuffer table, final int entry, final int domain, final int frame)
    {
        table.putInt(entry + ENTRY_FRAME_OFFSET, frame);
        table.putLong(entry + ENTRY_STATUS_OFFSET, statusWord(0, domain));
        // Release: the kernel that reads the permit (acquire) sees the frame and the domain.
        table.putLongRelease(entry + ENTRY_STATUS_OFFSET, statusWord(GTF_PERMIT_ACCESS | GTF_READONLY, domain));
    }

    /**
     * Ends a grant that is not in use (the front end).
     *
     * @param table  the grant table.
     * @param entry  the entry's offset.
     * @param domain the granted domain.
     * @return whether it ended; false if the kernel's bits are set (in use) or the entry is not the grant made.
     */
    public static boolean endAccess(final AtomicBuffer table, final int entry, final int domain)
    {
        return table.compareAndSetLong(entry + ENTRY_STATUS_OFFSET,
            statusWord(GTF_PERMIT_ACCESS | GTF_READONLY, domain), 0);
    }

    /**
     * @param table the grant table.
     * @param entry an entry's offset.
     * @return its status word (acquire: the frame written before the permit is visible after it).
     */
    public static long statusAcquire(final AtomicBuffer table, final int entry)
    {
        return table.getLongAcquire(entry + ENTRY_STATUS_OFFSET);
    }

    /**
     * @param table    the grant table.
     * @param entry    an entry's offset.
     * @param expected the status word read.
     * @param update   the new one.
     * @return whether it was {@code expected} and is now {@code update}.
     */
    public static boolean compareAndSetStatus(final AtomicBuffer table, final int entry, final long expected,
        final long update)
    {
        return table.compareAndSetLong(entry + ENTRY_STATUS_OFFSET, expected, update);
    }

    /**
     * Clears the kernel's in-use bit of an entry, whatever the front end did to the rest of the word since.
     *
     * @param table the grant table.
     * @param entry an entry's offset.
     */
    public static void clearReading(final AtomicBuffer table, final int entry)
    {
        final int offset = entry + ENTRY_STATUS_OFFSET;
        long status;
        do
        {
            status = table.getLongVolatile(offset);
        }
        while (!table.compareAndSetLong(offset, status, status & ~(long)GTF_READING));
    }

    /**
     * @param table the grant table.
     * @param entry an entry's offset.
     * @return its frame (plain: read after the status word's compare-and-set).
     */
    public static int frame(final AtomicBuffer table, final int entry)
    {
        return table.getInt(entry + ENTRY_FRAME_OFFSET);
    }

    /**
     * Writes a request's header (plain; req_prod's release publishes it).
     *
     * @param ring     the ring.
     * @param slot     the slot's offset.
     * @param id       the request id.
     * @param length   the message's length.
     * @param segments its segment count.
     */
    public static void putRequest(final AtomicBuffer ring, final int slot, final int id, final int length,
        final int segments)
    {
        ring.putInt(slot + ID_OFFSET, id);
        ring.putInt(slot + FLAGS_OFFSET, 0);
        ring.putInt(slot + LENGTH_OFFSET, length);
        ring.putInt(slot + SEGMENT_COUNT_OFFSET, segments);
    }

    /**
     * Writes a segment (plain) as one word, so a reader copies it in one load.
     *
     * @param ring    the ring.
     * @param offset  the segment's offset ({@link #segmentOffset}).
     * @param ref     its grant reference.
     * @param start   its first byte in the page.
     * @param length  its bytes.
     */
    public static void putSegment(final AtomicBuffer ring, final int offset, final int ref, final int start,
        final int length)
    {
        ring.putLong(offset, segmentWord(ref, start, length));
    }

    /**
     * @param ref    a grant reference.
     * @param start  a first byte in the page, below {@link #MAX_FRAME_SIZE}.
     * @param length bytes, at most {@link #MAX_FRAME_SIZE}.
     * @return the segment as one little-endian word: reference low, then offset, then length.
     */
    public static long segmentWord(final int ref, final int start, final int length)
    {
        return (ref & 0xFFFF_FFFFL) | ((long)(start & 0xFFFF) << 32) | ((long)(length & 0xFFFF) << 48);
    }

    /**
     * @param word a segment word.
     * @return its grant reference.
     */
    public static int segmentRef(final long word)
    {
        return (int)word;
    }

    /**
     * @param word a segment word.
     * @return its offset in the page.
     */
    public static int segmentStart(final long word)
    {
        return (int)(word >>> 32) & 0xFFFF;
    }

    /**
     * @param word a segment word.
     * @return its length.
     */
    public static int segmentLength(final long word)
    {
        return (int)(word >>> 48) & 0xFFFF;
    }

    /**
     * Writes a response (plain; rsp_prod's release publishes it).
     *
     * @param ring   the ring.
     * @param slot   the slot's offset.
     * @param id     the request's id.
     * @param status {@link #RSP_OKAY} or {@link #RSP_ERROR}.
     */
    public static void putResponse(final AtomicBuffer ring, final int slot, final int id, final int status)
    {
        ring.putLong(slot + ID_OFFSET, (id & 0xFFFF_FFFFL) | ((long)status << 32));
    }

    /**
     * @param ring   the ring.
     * @param offset a counter's offset ({@link #REQ_NOTIFIED_OFFSET}, {@link #RSP_NOTIFIED_OFFSET}) or the end word.
     * @return its value (acquire).
     */
    public static long wordAcquire(final AtomicBuffer ring, final int offset)
    {
        return ring.getLongAcquire(offset);
    }

    /**
     * @param ring   the ring.
     * @param offset a counter's offset or the end word.
     * @param value  its new value, from its one writer.
     */
    public static void wordRelease(final AtomicBuffer ring, final int offset, final long value)
    {
        // Release: for the end word, a back end that reads it (acquire) then req_prod sees every request before it.
        ring.putLongRelease(offset, value);
    }
}
