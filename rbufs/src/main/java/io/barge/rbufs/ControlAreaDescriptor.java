package io.barge.rbufs;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of an Rbufs control area: a header followed by a circular buffer of IOrecs ({@link IoRecDescriptor}).
 * The area is mapped read-write in the domain that produces IOrecs into it and read-only in the consumer. The
 * counters are event counts ({@link CounterLink}): 64-bit byte positions that only grow, each end's kept in the
 * header of the area it writes, where the peer reads them; a record at position {@code p} lies at ring offset
 * {@code p & (capacity - 1)}. The wake words are the end's event indices (Xen's {@code req_event}): the peer
 * notifies when a counter of its own crosses them, and otherwise suppresses the notification.
 * <pre>
 *  Section layout:
 *  +----------------------------+  0
 *  |  header (128 bytes)        |
 *  +----------------------------+  HEADER_LENGTH
 *  |  IOrec ring (capacity B)   |
 *  +----------------------------+  HEADER_LENGTH + capacity
 *
 *  Header:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     magic [PRODUCER]                          |  0  "RBUFCTL1"
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     version [PRODUCER]                        |  8
 *  +---------------------------------------------------------------+
 *  |                     ring capacity [PRODUCER]                  | 12  bytes, power of two
 *  +---------------------------------------------------------------+
 *  |                     producer domain id [PRODUCER]             | 16
 *  +---------------------------------------------------------------+
 *  |                     expected record flags [PRODUCER]          | 20  DATA, EMPTY or FREE
 *  +---------------------------------------------------------------+
 *  |                     reserved, zero                            | 24 .. 63
 *  +---------------------------------------------------------------+
 *  |                     head [PRODUCER]                           | 64  of this ring: bytes written
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     tail [PRODUCER]                           | 72  of the peer's ring: bytes consumed
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     wake head [PRODUCER]                      | 80  notify me when the peer's head
 *  |                                                               |     reaches this
 *  +---------------------------------------------------------------+
 *  |                     wake tail [PRODUCER]                      | 88  notify me when the peer's tail
 *  |                                                               |     reaches this
 *  +---------------------------------------------------------------+
 *  |                     end [PRODUCER]                            | 96  0 while the stream runs;
 *  |                                                               |     1 + this ring's head at finish
 *  +---------------------------------------------------------------+
 *  |                     reserved, zero                            | 104 .. 127
 *  +---------------------------------------------------------------+
 * </pre>
 * Publication: the producer writes the records (plain stores), then stores the new head with release; the
 * consumer's acquire load of the head orders the records before it. The counters sit on their own cache line,
 * written by one end only. End of stream (originator's area only): the originator publishes its last head, then
 * stores the end word with release, then (after a full fence) sends a wake-up whatever the wake words say; a
 * receiver that acquires the end word sees every record before it, and ends the stream once it has consumed up to
 * that head. The first line of the header is written once at setup, before either end is handed the
 * area, and checked by the consumer on attach.
 */
public final class ControlAreaDescriptor
{
    /** Magic number: "RBUFCTL1" in ASCII, little-endian. */
    public static final long MAGIC = 0x314C_5443_4655_4252L;
    /** Layout version. */
    public static final int VERSION = 3;
    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the ring capacity. */
    public static final int CAPACITY_OFFSET = 12;
    /** Offset of the producer's domain id. */
    public static final int PRODUCER_ID_OFFSET = 16;
    /** Offset of the flags every record in this ring carries. */
    public static final int RECORD_FLAGS_OFFSET = 20;
    /** Offset of the head of this ring. */
    public static final int HEAD_OFFSET = 64;
    /** Offset of the tail of the peer's ring, as consumed by this area's producer. */
    public static final int TAIL_OFFSET = 72;
    /** Offset of the peer head position at which this area's producer wants a notification. */
    public static final int WAKE_HEAD_OFFSET = 80;
    /** Offset of the peer tail position at which this area's producer wants a notification. */
    public static final int WAKE_TAIL_OFFSET = 88;
    /** Offset of the end word: 0 while the stream runs, then 1 + the head at which it ended. */
    public static final int END_OFFSET = 96;
    /** End word value while the stream runs. */
    public static final long NOT_ENDED = 0;
    /** Wake word value for no notification. */
    public static final long NEVER = Long.MAX_VALUE;
    /** Wake words at setup: notify at the first event (as Xen starts {@code req_event} at 1). */
    public static final long INITIAL_WAKE = 1;
    /** Header length: two cache lines. */
    public static final int HEADER_LENGTH = 128;
    /** Smallest ring. */
    public static final int MIN_CAPACITY = 1024;
    /** Bytes of ring per message in flight: one single-pair IOrec. */
    public static final int BYTES_PER_MESSAGE = IoRecDescriptor.recordLength(1);

    private ControlAreaDescriptor()
    {
    }

    /**
     * @param messages messages in flight the ring must hold.
     * @return ring capacity in bytes: a power of two holding that many single-pair IOrecs, at least
     *         {@link #MIN_CAPACITY}.
     */
    public static int ringCapacityFor(final int messages)
    {
        if (messages < 1 || messages > (1 << 24))
        {
            throw new IllegalArgumentException("messages=" + messages + " must be in [1, 2^24]");
        }
        final long need = (long)messages * BYTES_PER_MESSAGE;
        return (int)Math.max(MIN_CAPACITY, Long.highestOneBit(need - 1) << 1);
    }

    /**
     * @param capacity ring capacity in bytes.
     * @return bytes of the whole area.
     */
    public static int areaLength(final int capacity)
    {
        return HEADER_LENGTH + capacity;
    }

    /**
     * @param ringPosition a position counter.
     * @param capacity     ring capacity.
     * @return offset in the area of the byte at that position.
     */
    public static int recordOffset(final long ringPosition, final int capacity)
    {
        return HEADER_LENGTH + (int)(ringPosition & (capacity - 1));
    }

    /**
     * Writes the header. Done by the producer once, before the area is shared.
     *
     * @param area        view over the area.
     * @param capacity    ring capacity.
     * @param producerId  producing domain.
     * @param recordFlags the flags its records carry.
     */
    public static void writeHeader(
        final MutableDirectBuffer area, final int capacity, final int producerId, final int recordFlags)
    {
        checkCapacity(capacity);
        area.putLong(MAGIC_OFFSET, MAGIC);
        area.putInt(VERSION_OFFSET, VERSION);
        area.putInt(CAPACITY_OFFSET, capacity);
        area.putInt(PRODUCER_ID_OFFSET, producerId);
        area.putInt(RECORD_FLAGS_OFFSET, recordFlags);
        area.putLong(HEAD_OFFSET, 0);
        area.putLong(TAIL_OFFSET, 0);
        area.putLong(WAKE_HEAD_OFFSET, INITIAL_WAKE);
        area.putLong(WAKE_TAIL_OFFSET, INITIAL_WAKE);
    }

    /**
     * Checks the header on attach, reading each field once.
     *
     * @param area     view over the area.
     * @param capacity the capacity agreed at setup.
     * @param flags    the record flags agreed at setup.
     * @throws io.barge.core.ProtocolViolationException if anything differs.
     */
    public static void checkHeader(final DirectBuffer area, final int capacity, final int flags)
    {
        final long magic = area.getLong(MAGIC_OFFSET);
        final int version = area.getInt(VERSION_OFFSET);
        final int cap = area.getInt(CAPACITY_OFFSET);
        final int recordFlags = area.getInt(RECORD_FLAGS_OFFSET);
        if (magic != MAGIC || version != VERSION || cap != capacity || recordFlags != flags)
        {
            throw new io.barge.core.ProtocolViolationException("control area header magic=0x" +
                Long.toHexString(magic) + " version=" + version + " capacity=" + cap + " flags=" + recordFlags +
                ", expected magic=0x" + Long.toHexString(MAGIC) + " version=" + VERSION + " capacity=" + capacity +
                " flags=" + flags);
        }
    }

    /**
     * @param capacity a ring capacity.
     * @throws IllegalArgumentException unless a power of two of at least {@link #MIN_CAPACITY}.
     */
    public static void checkCapacity(final int capacity)
    {
        if (capacity < MIN_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be a power of two >= " +
                MIN_CAPACITY);
        }
    }
}
