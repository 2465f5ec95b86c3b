package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of a channel between client processes, in the run of frames the kernel allocated for it in its memory file.
 * Every kind of channel starts with the header frame below (its identity and the two ends' counters); a
 * {@link #KIND_RING} channel then holds a single-producer single-consumer ring of length-prefixed records, in the
 * manner of Agrona's {@code OneToOneRingBuffer}, with no trust between the two ends; a {@link #KIND_RBUFS} channel
 * holds the Rbufs control and data areas (RbufsChannelDescriptor); a {@link #KIND_FBUFS} channel the same control
 * area and a region of fbufs (FbufsChannelDescriptor).
 * <p>
 * Region, {@code frameCount} frames:
 * <pre>
 *   +------------------------------+ 0
 *   |  Header (the first frame)    |
 *   +------------------------------+ frameSize
 *   |  Records                     |  Capacity bytes, a power of two, a whole number of frames
 *   +------------------------------+ frameSize + capacity
 * </pre>
 * Header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Magic (64)                    [KERNEL] |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Version (32)                   [KERNEL] |  8
 *  +---------------------------------------------------------------+
 *  |                      Channel Id (32)                 [KERNEL] |  12
 *  +---------------------------------------------------------------+
 *  |                    Capacity, bytes (32)              [KERNEL] |  16
 *  +---------------------------------------------------------------+
 *  |                  Max Message Length (32)             [KERNEL] |  20
 *  +---------------------------------------------------------------+
 *  |            Kind, RING, RBUFS or FBUFS (32)           [KERNEL] |  24
 *  +---------------------------------------------------------------+
 *  |                   ... to offset 128 ...                       |
 *  +---------------------------------------------------------------+
 *  |                  Consumer Position (64)            [CONSUMER] |  128, its own two cache lines; release
 *  |                                   (a RING channel's only)     |
 *  +---------------------------------------------------------------+
 *  |                    Messages Sent (64)                [SENDER] |  256, the sender's counters: two cache
 *  +---------------------------------------------------------------+       lines of their own
 *  |                      Bytes Sent (64)                 [SENDER] |  264
 *  +---------------------------------------------------------------+
 *  |                 Offers Back-Pressured (64)           [SENDER] |  272
 *  +---------------------------------------------------------------+
 *  |                Buffers Returned (64)  (RBUFS)        [SENDER] |  280, returns the sender took back
 *  +---------------------------------------------------------------+
 *  |                   ... to offset 384 ...                       |
 *  +---------------------------------------------------------------+
 *  |                  Messages Received (64)            [RECEIVER] |  384, the receiver's counters: two cache
 *  +---------------------------------------------------------------+       lines of their own
 *  |                    Bytes Received (64)             [RECEIVER] |  392
 *  +---------------------------------------------------------------+
 *  |                Buffers Released (64)  (RBUFS)      [RECEIVER] |  400, returns the receiver pushed
 *  +---------------------------------------------------------------+
 *  |                   ... to offset 512 ...                       |
 *  +---------------------------------------------------------------+
 * </pre>
 * Counters: each has one writer, the end named, which keeps the value privately and stores it with release after
 * each offer or batch (one ordered store, no atomic add); {@code barge stat} reads them with acquire from another
 * process ({@link MachineReader}). They are statistics: no end ever reads its peer's, so a peer that scribbles over
 * them misleads only a person reading {@code stat}.
 * Record, at a position aligned to {@link #RECORD_ALIGNMENT}, the next one {@code align(length, 8)} bytes on:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Length, header included (32)            [PRODUCER] |  0, 0 = nothing yet; the commit, release
 *  +---------------------------------------------------------------+
 *  |            Type, MESSAGE, PADDING or END (32)    [PRODUCER] |  4
 *  +---------------------------------------------------------------+
 *  |                        Payload ...               [PRODUCER] |  8
 *  +---------------------------------------------------------------+
 * </pre>
 * The producer keeps its position private (the consumer never reads it); the consumer's position is the only index
 * in shared memory. Invariant: the length word at the producer's position reads 0.
 * Commit protocol (the producer):
 * <ol>
 *   <li>Checks the free space {@code capacity - (tail - head)} covers the record, any padding to the ring's end,
 *       and one more length word; if not it reads the consumer's position again (acquire: the consumer's release
 *       after it was done with the bytes) and validates it ({@code head <= tail <= head + capacity}, aligned).</li>
 *   <li>If the record would cross the end, writes a PADDING record up to the end (steps 3 to 5 for it).</li>
 *   <li>Writes the type and the payload with plain stores.</li>
 *   <li>Writes 0 at the length word after the record (plain): free space, so the invariant holds after the
 *       commit.</li>
 *   <li>Writes the length with release: the commit. A consumer that reads it (acquire) sees the payload and the
 *       zero after it; a producer killed before this store leaves only a 0 there, never a torn record.</li>
 * </ol>
 * Consume protocol: reads the length at its position (acquire); 0 means empty. Copies length and type once and
 * validates them (type known; a message's length in {@code [8, 8 + maxMessageLength]} and within the ring; a
 * padding's reaching the ring's end exactly); any failure breaks the channel. Delivers the payload as a view, then
 * stores its new position with release after the batch: the producer that reads it (acquire) may reuse the bytes.
 */
public final class ProcessChannelDescriptor
{
    /** "BARGECHN" in ASCII, little-endian. */
    public static final long MAGIC = 0x4E48434547524142L;
    /** Bumped whenever the layout or a rule changes (4: an fbufs leaf may span the message's fbufs). */
    public static final int VERSION = 4;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the channel id. */
    public static final int CHANNEL_ID_OFFSET = 12;
    /** Offset of the capacity. */
    public static final int CAPACITY_OFFSET = 16;
    /** Offset of the longest message. */
    public static final int MAX_MESSAGE_LENGTH_OFFSET = 20;
    /** Offset of the channel's kind. */
    public static final int KIND_OFFSET = 24;
    /** Offset of the consumer's position. */
    public static final int CONSUMER_POSITION_OFFSET = 128;
    /** Offset of the sender's messages sent. */
    public static final int MESSAGES_SENT_OFFSET = 256;
    /** Offset of the sender's bytes sent. */
    public static final int BYTES_SENT_OFFSET = 264;
    /** Offset of the sender's offers that found no room. */
    public static final int BACK_PRESSURED_OFFSET = 272;
    /** Offset of the sender's buffers taken back from the return ring (rbufs). */
    public static final int RETURNS_OFFSET = 280;
    /** Offset of the receiver's messages received. */
    public static final int MESSAGES_RECEIVED_OFFSET = 384;
    /** Offset of the receiver's bytes received. */
    public static final int BYTES_RECEIVED_OFFSET = 392;
    /** Offset of the receiver's buffers given back through the return ring (rbufs). */
    public static final int RELEASES_OFFSET = 400;
    /** Bytes of the header's fields: a frame must hold them. */
    public static final int HEADER_FIELDS_LENGTH = 512;

    /** Kind: a ring of records the sender copies each message into ({@link ProcessSender}). */
    public static final int KIND_RING = 1;
    /** Kind: Rbufs, a data area the sender writes in place and IOrecs both ways (ProcessRbufsSender). */
    public static final int KIND_RBUFS = 2;
    /** Kind: fbufs, a region of fbufs the sender writes in place and aggregate roots both ways (FbufsSpiSender). */
    public static final int KIND_FBUFS = 3;
    /** Kind: Xen device channel, grant table, granted pages and a request/response ring (XenChannelDescriptor). */
    public static final int KIND_XEN = 4;

    /** Stable type ids of the counters, {@code barge stat}'s ids (the first three are the copy channels'). */
    static final int[] COUNTER_TYPE_IDS = {2001, 2002, 2003, 2004, 2005, 2006, 2007};
    /** The counters' offsets, in the order of {@link #COUNTER_TYPE_IDS}. */
    static final int[] COUNTER_OFFSETS = {MESSAGES_SENT_OFFSET, BYTES_SENT_OFFSET, MESSAGES_RECEIVED_OFFSET,
        BYTES_RECEIVED_OFFSET, BACK_PRESSURED_OFFSET, RETURNS_OFFSET, RELEASES_OFFSET};
    /** The counters' labels, in the same order. */
    static final String[] COUNTER_LABELS = {"messages sent", "bytes sent", "messages received", "bytes received",
        "offers back-pressured", "buffers returned", "buffers released"};
    /** How many of the counters a RING channel has (the rest count rbufs' buffers). */
    static final int RING_COUNTERS = 5;

    /** Record type: a message. */
    public static final int TYPE_MESSAGE = 1;
    /** Record type: skip to the ring's end. */
    public static final int TYPE_PADDING = 2;
    /**
     * Record type: the end of the stream (the SPI's {@code Sender.finish()}), a header alone, behind every message
     * committed before it; nothing follows it. A receiver of the transport SPI reports
     * {@code Status.END_OF_STREAM} once it has delivered every message before it; a {@link ProcessReceiver}, which
     * has no end of stream, consumes it and delivers nothing for it.
     */
    public static final int TYPE_END = 3;
    /** Offset of a record's length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of a record's type. */
    public static final int TYPE_OFFSET = 4;
    /** Bytes of a record's header. */
    public static final int RECORD_HEADER_LENGTH = 8;
    /** Records start at multiples of this. */
    public static final int RECORD_ALIGNMENT = 8;

    /** Largest ring a channel may have. */
    public static final int MAX_CAPACITY = 16 * 1024 * 1024;
    /** Longest message a channel may carry. */
    public static final int MAX_MESSAGE_LENGTH = 1024 * 1024;

    private ProcessChannelDescriptor()
    {
    }

    /**
     * @param capacity         ring bytes.
     * @param maxMessageLength longest message.
     * @param frameSize        the memory's frame size.
     * @return null if a channel may have these sizes, else the broken rule with values.
     */
    public static String checkSizes(final int capacity, final int maxMessageLength, final int frameSize)
    {
        if (maxMessageLength < 1 || maxMessageLength > MAX_MESSAGE_LENGTH)
        {
            return "maxMessageLength=" + maxMessageLength + " must be in [1, " + MAX_MESSAGE_LENGTH + "]";
        }
        if (capacity < frameSize || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            return "capacity=" + capacity + " must be a power of two in [" + frameSize + " (one frame), " +
                MAX_CAPACITY + "]";
        }
        if (2L * (maxRecordLength(maxMessageLength) + RECORD_HEADER_LENGTH) > capacity)
        {
            return "capacity=" + capacity + " must hold two records of maxMessageLength=" + maxMessageLength +
                " (" + 2L * (maxRecordLength(maxMessageLength) + RECORD_HEADER_LENGTH) + " bytes)";
        }
        return null;
    }

    /**
     * @param maxMessageLength longest message.
     * @return bytes the longest record takes, aligned.
     */
    public static int maxRecordLength(final int maxMessageLength)
    {
        return BitUtil.align(RECORD_HEADER_LENGTH + maxMessageLength, RECORD_ALIGNMENT);
    }

    /**
     * @param capacity  ring bytes.
     * @param frameSize the memory's frame size.
     * @return frames the channel takes: the header's and the ring's.
     */
    public static int frameCount(final int capacity, final int frameSize)
    {
        return 1 + capacity / frameSize;
    }

    /**
     * Lays out a new channel in zeroed frames (the kernel, before any end maps them).
     *
     * @param header           the header frame.
     * @param channelId        the channel's id.
     * @param capacity         ring bytes.
     * @param maxMessageLength longest message.
     * @param kind             {@link #KIND_RING} or {@link #KIND_RBUFS}.
     */
    public static void writeHeader(final AtomicBuffer header, final int channelId, final int capacity,
        final int maxMessageLength, final int kind)
    {
        header.putInt(VERSION_OFFSET, VERSION);
        header.putInt(KIND_OFFSET, kind);
        header.putInt(CHANNEL_ID_OFFSET, channelId);
        header.putInt(CAPACITY_OFFSET, capacity);
        header.putInt(MAX_MESSAGE_LENGTH_OFFSET, maxMessageLength);
        header.putLong(CONSUMER_POSITION_OFFSET, 0);
        // Release: an end that sees the magic sees the fields it guards (the ends learn of the channel later still,
        // through the kernel's broadcast and table, which are released after this).
        header.putLongRelease(MAGIC_OFFSET, MAGIC);
    }

    /**
     * @param header the header frame.
     * @return the consumer's position (acquire: the bytes before it are free for the producer).
     */
    public static long consumerPositionAcquire(final AtomicBuffer header)
    {
        return header.getLongAcquire(CONSUMER_POSITION_OFFSET);
    }

    /**
     * @param header   the header frame.
     * @param position the consumer's new position.
     */
    public static void consumerPositionRelease(final AtomicBuffer header, final long position)
    {
        // Release: the producer that reads it (acquire) sees every read of the bytes before it as done.
        header.putLongRelease(CONSUMER_POSITION_OFFSET, position);
    }

    /**
     * @param header the header frame.
     * @param offset a counter's offset, e.g. {@link #MESSAGES_SENT_OFFSET}.
     * @param value  its new value, from its one writer.
     */
    public static void counterRelease(final AtomicBuffer header, final int offset, final long value)
    {
        // Release: a plain store on x86; a reader in another process sees the value whole, never older than before.
        header.putLongRelease(offset, value);
    }

    /**
     * @param header the header frame (possibly mapped read-only by a reader).
     * @param offset a counter's offset.
     * @return its value (acquire: pairs with its writer's release).
     */
    public static long counterAcquire(final AtomicBuffer header, final int offset)
    {
        return header.getLongAcquire(offset);
    }

    /**
     * @param kind a channel's kind.
     * @return its name for people: {@code ring}, {@code rbufs}, {@code fbufs} or {@code xen}, else {@code kind <n>}.
     */
    public static String kindName(final int kind)
    {
        return kind == KIND_RING ? "ring" : kind == KIND_RBUFS ? "rbufs" : kind == KIND_FBUFS ? "fbufs" :
            kind == KIND_XEN ? "xen" : "kind " + kind;
    }

    /**
     * @param ring  the records.
     * @param index a record's index.
     * @return its length (acquire: the commit), 0 if not committed.
     */
    public static int lengthAcquire(final AtomicBuffer ring, final int index)
    {
        return ring.getIntAcquire(index + LENGTH_OFFSET);
    }

    /**
     * @param ring   the records.
     * @param index  a record's index.
     * @param length its length: the commit.
     */
    public static void lengthRelease(final AtomicBuffer ring, final int index, final int length)
    {
        // Release: a consumer that reads the length (acquire) sees the type, payload and the zero after the record.
        ring.putIntRelease(index + LENGTH_OFFSET, length);
    }

    /**
     * @param ring  the records.
     * @param index a record's index.
     * @return its type (plain: read after the length's acquire).
     */
    public static int type(final AtomicBuffer ring, final int index)
    {
        return ring.getInt(index + TYPE_OFFSET);
    }
}
