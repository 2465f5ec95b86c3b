package io.barge.grant.xen;

import io.barge.grant.RequestLength;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.ByteOrder;

/**
 * Layout of the requests and responses of a {@code xen} channel's descriptor ring (the slots of
 * {@link io.barge.grant.SharedRingDescriptor}), after Xen's {@code blkif} protocol: a request names the granted pages
 * of one message by (grant reference, offset, length) segments; a message of more than {@link #DIRECT_SEGMENTS}
 * pages names instead indirect pages, each holding {@link #SEGMENTS_PER_INDIRECT_PAGE} segments
 * ({@code BLKIF_OP_INDIRECT}). A response in the same slot answers a request by its id.
 * <p>
 * Request [FRONT]:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          Request id                           |
 *  +---------------------------------------------------------------+
 *  |              Flags (bit 0: INDIRECT, bit 1: END)              |
 *  +---------------------------------------------------------------+
 *  |                     Message length (bytes)                    |
 *  +---------------------------------------------------------------+
 *  |                        Segment count                          |
 *  +---------------------------------------------------------------+
 *  |  Segment 0: grant reference (INDIRECT: ref of indirect page 0)|
 *  +-------------------------------+-------------------------------+
 *  |   Segment 0: offset in page   |   Segment 0: length (bytes)   |
 *  +-------------------------------+-------------------------------+
 *  |                      ... up to segment 15                    ...
 *  +---------------------------------------------------------------+
 * </pre>
 * An indirect page is a packed array of the same 8-byte segments. An end request ({@link #FLAG_END}, the front
 * end's {@code finish}) has length 0 and no segments, and its id field carries the number of message requests the
 * front end pushed before it (mod 2^32); the back end checks that count against the requests it consumed, and
 * answers an end with no response (nothing follows it, so its slot is never reused). Response [BACK]:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Request id (as the request said)              |
 *  +---------------------------------------------------------------+
 *  |              Status ({@link #RSP_OKAY} or {@link #RSP_ERROR}) |
 *  +---------------------------------------------------------------+
 * </pre>
 * Both sides copy a slot once into private memory before reading a field of it (the ring's consume protocol).
 * <p>
 * <b>Receiver-posted buffers</b> ({@link XenPostedChannel}, Xen's {@code netif} RX ring): the front end is the
 * receiver. A request [FRONT] posts an empty buffer in the same format: id (the buffer), flags 0 or
 * {@link #FLAG_INDIRECT}, length the channel's buffer size, and one segment per page, each at offset 0, every page
 * full but the last. The back end fills the buffer and answers it with a filled response [BACK]
 * ({@code netif_rx_response}):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Request id (as the request said)              |
 *  +---------------------------------------------------------------+
 *  |     Status: bytes filled (1..length), or {@link #RSP_ERROR}     |
 *  +---------------------------------------------------------------+
 *  |               Offset of the first filled byte                 |
 *  +---------------------------------------------------------------+
 *  |                    Flags (none defined: 0)                    |
 *  +---------------------------------------------------------------+
 * </pre>
 * The end of the stream travels outside the slots, since every slot may hold a filled buffer: the back end's
 * {@code finish} writes the stream-end word in the ring header's user area (offset {@link #STREAM_END_OFFSET},
 * [BACK], zero while the stream is open):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Responses pushed before the end (mod 2^32)           |
 *  +---------------------------------------------------------------+
 *  |               Ended: {@link #STREAM_ENDED}, else 0              |
 *  +---------------------------------------------------------------+
 * </pre>
 * End protocol: (1) the back end pushes its last responses (release-store of rsp_prod); (2) it release-stores the
 * stream-end word, one 64-bit store; (3) it notifies the front end's event channel. The front end acquire-reads the
 * word; once it has consumed every response published after that read, the count it consumed must be the word's,
 * and nothing may follow.
 */
public final class XenRequestDescriptor
{
    /** Segments carried in the request itself. */
    public static final int DIRECT_SEGMENTS = 16;
    /** Bytes of one segment. */
    public static final int SEGMENT_LENGTH = 8;
    /** Segments per indirect page of the default 4 KiB page ({@link #segmentsPerIndirectPage} for others). */
    public static final int SEGMENTS_PER_INDIRECT_PAGE = 4096 / SEGMENT_LENGTH;
    /** Flag: the segments are indirect pages' references. */
    public static final int FLAG_INDIRECT = 1;
    /** Flag: the end of the stream; no request follows. */
    public static final int FLAG_END = 2;
    /** Response status: the message was received and released. */
    public static final int RSP_OKAY = 0;
    /** Response status: the request was refused (bad segment or grant); the buffer is the front end's again. */
    public static final int RSP_ERROR = -1;

    /** Offset of the request id. */
    public static final int ID_OFFSET = 0;
    /** Offset of the flags. */
    public static final int FLAGS_OFFSET = 4;
    /** Offset of the message length. */
    public static final int LENGTH_OFFSET = 8;
    /** Offset of the segment count. */
    public static final int SEGMENT_COUNT_OFFSET = 12;
    /** Offset of segment 0. */
    public static final int SEGMENTS_OFFSET = 16;
    /** Offset of a response's status. */
    public static final int STATUS_OFFSET = 4;
    /** Offset of a filled response's first-byte offset (receiver-posted buffers). */
    public static final int FILL_OFFSET_OFFSET = 8;
    /** Offset of a filled response's flags (receiver-posted buffers). */
    public static final int FILL_FLAGS_OFFSET = 12;
    /** Offset of the stream-end word in ring page 0 (receiver-posted buffers): the ring header's user area. */
    public static final int STREAM_END_OFFSET = io.barge.grant.SharedRingDescriptor.USER_OFFSET;
    /** The stream-end word's upper half once the back end finished. */
    public static final int STREAM_ENDED = 1;
    /** Bytes of a ring slot: the request, the larger of the two. */
    public static final int SLOT_LENGTH = SEGMENTS_OFFSET + DIRECT_SEGMENTS * SEGMENT_LENGTH;

    /** Bytes of a response (id and status): what a sender-granting front end copies of a response slot. */
    public static final int RESPONSE_LENGTH = 8;
    /** Bytes of a filled response (id, status, offset, flags): what a posting front end copies. */
    public static final int FILLED_RESPONSE_LENGTH = 16;
    /**
     * A request's bytes from its copied header ({@link #SEGMENTS_OFFSET} bytes): the header and its segments when
     * it is a plain message request of 1 to {@link #DIRECT_SEGMENTS} segments, else (indirect, end, or anything
     * else a peer may write) the whole slot, which the checks then refuse or read as before.
     */
    public static final RequestLength REQUEST_LENGTH = (copy, index) ->
    {
        final int segments = segmentCount(copy, index);
        return flags(copy, index) == 0 && segments >= 1 && segments <= DIRECT_SEGMENTS ?
            SEGMENTS_OFFSET + segments * SEGMENT_LENGTH : SLOT_LENGTH;
    };

    private static final int SEGMENT_REF_OFFSET = 0;
    private static final int SEGMENT_PAGE_OFFSET = 4;
    private static final int SEGMENT_BYTES_OFFSET = 6;
    private static final boolean NATIVE_LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private XenRequestDescriptor()
    {
    }

    /**
     * @param pageSize bytes per page.
     * @return segments per indirect page.
     */
    public static int segmentsPerIndirectPage(final int pageSize)
    {
        return pageSize / SEGMENT_LENGTH;
    }

    /**
     * @param segments data segments of a message.
     * @param pageSize bytes per page.
     * @return indirect pages it needs: 0 if its segments fit in the request.
     */
    public static int indirectPagesFor(final int segments, final int pageSize)
    {
        if (segments <= DIRECT_SEGMENTS)
        {
            return 0;
        }
        final int perPage = segmentsPerIndirectPage(pageSize);
        return (segments + perPage - 1) / perPage;
    }

    /**
     * @param slot  a request slot or its private copy.
     * @param base  the slot's offset.
     * @param id    request id.
     * @param flags flags.
     * @param length message length.
     * @param segments segment count.
     */
    public static void header(final MutableDirectBuffer slot, final int base, final int id, final int flags,
        final int length, final int segments)
    {
        slot.putInt(base + ID_OFFSET, id);
        slot.putInt(base + FLAGS_OFFSET, flags);
        slot.putInt(base + LENGTH_OFFSET, length);
        slot.putInt(base + SEGMENT_COUNT_OFFSET, segments);
    }

    /**
     * Writes an end request.
     *
     * @param slot     a request slot.
     * @param base     the slot's offset.
     * @param messages message requests pushed before it (mod 2^32).
     */
    public static void end(final MutableDirectBuffer slot, final int base, final int messages)
    {
        header(slot, base, messages, FLAG_END, 0, 0);
    }

    /**
     * @param slot a slot or its copy.
     * @param base the slot's offset.
     * @return the request (or response) id.
     */
    public static int id(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + ID_OFFSET);
    }

    /**
     * @param slot a request or its copy.
     * @param base the slot's offset.
     * @return the flags.
     */
    public static int flags(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + FLAGS_OFFSET);
    }

    /**
     * @param slot a request or its copy.
     * @param base the slot's offset.
     * @return the message length.
     */
    public static int length(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + LENGTH_OFFSET);
    }

    /**
     * Reads the length and the segment count in one load, for a reader that compares whole requests word by word.
     *
     * @param slot a request or its copy.
     * @param base the slot's offset.
     * @return the 8 bytes at {@link #LENGTH_OFFSET}: the length and the segment count.
     */
    public static long lengthAndCount(final DirectBuffer slot, final int base)
    {
        return slot.getLong(base + LENGTH_OFFSET);
    }

    /**
     * @param slot a request or its copy.
     * @param base the slot's offset.
     * @return the segment count.
     */
    public static int segmentCount(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + SEGMENT_COUNT_OFFSET);
    }

    /**
     * @param segments where segment 0 is (a request's {@link #SEGMENTS_OFFSET}, or an indirect page's 0).
     * @param i        segment index.
     * @return the segment's offset.
     */
    public static int segmentOffset(final int segments, final int i)
    {
        return segments + i * SEGMENT_LENGTH;
    }

    /**
     * @param buffer the memory holding the segment.
     * @param offset the segment's offset.
     * @param ref    grant reference.
     * @param pageOffset first byte in the page.
     * @param bytes  bytes in the page, 1..page size.
     */
    public static void segment(final MutableDirectBuffer buffer, final int offset, final int ref,
        final int pageOffset, final int bytes)
    {
        // One 8-byte store of the three fields, laid out as the three native-order stores would lay them out.
        final long word = NATIVE_LITTLE ?
            (ref & 0xFFFF_FFFFL) | (pageOffset & 0xFFFFL) << 32 | (bytes & 0xFFFFL) << 48 :
            (long)ref << 32 | (pageOffset & 0xFFFFL) << 16 | (bytes & 0xFFFFL);
        buffer.putLong(offset + SEGMENT_REF_OFFSET, word);
    }

    /**
     * Reads a whole segment in one load, for a reader that takes its fields apart with {@link #wordRef},
     * {@link #wordPageOffset} and {@link #wordBytes}.
     *
     * @param buffer the memory holding the segment (a private copy: the fields must come from one read).
     * @param offset the segment's offset.
     * @return the segment's 8 bytes.
     */
    public static long segmentWord(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEGMENT_REF_OFFSET);
    }

    /**
     * @param word a {@link #segmentWord}.
     * @return its grant reference.
     */
    public static int wordRef(final long word)
    {
        return NATIVE_LITTLE ? (int)word : (int)(word >>> 32);
    }

    /**
     * @param word a {@link #segmentWord}.
     * @return its first byte in the page (unsigned).
     */
    public static int wordPageOffset(final long word)
    {
        return (int)(word >>> (NATIVE_LITTLE ? 32 : 16)) & 0xFFFF;
    }

    /**
     * @param word a {@link #segmentWord}.
     * @return its length (unsigned).
     */
    public static int wordBytes(final long word)
    {
        return (int)(word >>> (NATIVE_LITTLE ? 48 : 0)) & 0xFFFF;
    }

    /**
     * @param buffer the memory holding the segment.
     * @param offset the segment's offset.
     * @return its grant reference.
     */
    public static int segmentRef(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + SEGMENT_REF_OFFSET);
    }

    /**
     * @param buffer the memory holding the segment.
     * @param offset the segment's offset.
     * @return its first byte in the page (unsigned).
     */
    public static int segmentPageOffset(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + SEGMENT_PAGE_OFFSET) & 0xFFFF;
    }

    /**
     * @param buffer the memory holding the segment.
     * @param offset the segment's offset.
     * @return its length (unsigned).
     */
    public static int segmentBytes(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + SEGMENT_BYTES_OFFSET) & 0xFFFF;
    }

    /**
     * @param slot   a response slot.
     * @param base   the slot's offset.
     * @param id     the request's id.
     * @param status {@link #RSP_OKAY} or {@link #RSP_ERROR}.
     */
    public static void response(final MutableDirectBuffer slot, final int base, final int id, final int status)
    {
        slot.putInt(base + ID_OFFSET, id);
        slot.putInt(base + STATUS_OFFSET, status);
    }

    /**
     * @param slot a response or its copy.
     * @param base the slot's offset.
     * @return the status.
     */
    public static int status(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + STATUS_OFFSET);
    }

    /**
     * Writes a filled response (receiver-posted buffers).
     *
     * @param slot   a response slot.
     * @param base   the slot's offset.
     * @param id     the request's id.
     * @param status bytes filled, or {@link #RSP_ERROR}.
     * @param offset offset of the first filled byte in the buffer.
     */
    public static void filled(final MutableDirectBuffer slot, final int base, final int id, final int status,
        final int offset)
    {
        slot.putInt(base + ID_OFFSET, id);
        slot.putInt(base + STATUS_OFFSET, status);
        slot.putInt(base + FILL_OFFSET_OFFSET, offset);
        slot.putInt(base + FILL_FLAGS_OFFSET, 0);
    }

    /**
     * @param slot a filled response or its copy.
     * @param base the slot's offset.
     * @return the offset of the first filled byte.
     */
    public static int fillOffset(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + FILL_OFFSET_OFFSET);
    }

    /**
     * @param slot a filled response or its copy.
     * @param base the slot's offset.
     * @return its flags.
     */
    public static int fillFlags(final DirectBuffer slot, final int base)
    {
        return slot.getInt(base + FILL_FLAGS_OFFSET);
    }

    /**
     * Publishes the end of a receiver-posted stream (after the last responses' push).
     *
     * @param ring      ring page 0.
     * @param responses responses pushed before the end (mod 2^32).
     */
    public static void streamEndRelease(final AtomicBuffer ring, final int responses)
    {
        ring.putLongRelease(STREAM_END_OFFSET, ((long)STREAM_ENDED << 32) | Integer.toUnsignedLong(responses));
    }

    /**
     * @param ring ring page 0.
     * @return the stream-end word (acquire): 0 while open; else {@link #STREAM_ENDED} in the upper half and the
     *         responses before the end in the lower (untrusted on the front end's side).
     */
    public static long streamEndVolatile(final AtomicBuffer ring)
    {
        return ring.getLongVolatile(STREAM_END_OFFSET);
    }
}
