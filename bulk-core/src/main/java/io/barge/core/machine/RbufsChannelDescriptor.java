package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of an Rbufs channel between client processes ({@link ProcessChannelDescriptor#KIND_RBUFS}), in the run of
 * frames the kernel allocated for it: the Rbufs split of one data area the originator (sender) writes in place and
 * the receiver reads in place, and two control areas of IOrecs, transmit (sender to receiver: "these bytes are a
 * message") and return (receiver to sender: "I am done with these bytes"). The sender is the master: it decides
 * which buffer of the data area each message goes in. Nothing crosses but offsets and lengths; neither end trusts
 * the other.
 * <p>
 * Region, {@code frameCount} frames:
 * <pre>
 *   +------------------------------+ 0
 *   |  Header (the first frame)    |  {@link ProcessChannelDescriptor}'s: identity, the ends' counters
 *   +------------------------------+ frameSize
 *   |  Control area                |  indices, then the transmit ring, then the return ring; whole frames
 *   +------------------------------+ frameSize * (1 + controlFrames)
 *   |  Data area                   |  capacity bytes: bufferCount buffers of stride bytes (and spare), the
 *   |                              |  receiver maps it read-only
 *   +------------------------------+ frameSize * (1 + controlFrames) + capacity
 * </pre>
 * Control area, each index on its own two cache lines:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |               Transmit Producer Index (64)           [SENDER] |  0, IOrecs pushed; release
 *  +---------------------------------------------------------------+
 *  |                  End Of Stream (64)                  [SENDER] |  8, 0, or 1 + the transmit producer
 *  |                                                               |     index at the finish; release
 *  +---------------------------------------------------------------+
 *  |               Transmit Consumer Index (64)         [RECEIVER] |  128, IOrecs taken; release
 *  +---------------------------------------------------------------+
 *  |                Return Producer Index (64)          [RECEIVER] |  256, returns pushed; release
 *  +---------------------------------------------------------------+
 *  |                Return Consumer Index (64)            [SENDER] |  384, returns taken; release
 *  +---------------------------------------------------------------+
 *  |        Transmit Ring: slots IOrecs               [SENDER]     |  512
 *  +---------------------------------------------------------------+
 *  |        Return Ring: slots IOrecs                 [RECEIVER]   |  512 + slots * 16
 *  +---------------------------------------------------------------+
 * </pre>
 * IOrec, {@link #IOREC_LENGTH} bytes (the Rbufs descriptor reduced to one base/length pair, so that every slot has
 * one size and no record pads the ring), written by its ring's producer:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |              Base, byte offset in the data area (32)          |  0, a buffer's start: a multiple of stride
 *  +---------------------------------------------------------------+
 *  |                        Length (32)                            |  4, 0..maxMessageLength
 *  +---------------------------------------------------------------+
 *  |                Flags, DATA or FREE (32)                       |  8, DATA on transmit, FREE on return
 *  +---------------------------------------------------------------+
 *  |                       Reserved (32)                           |  12
 *  +---------------------------------------------------------------+
 * </pre>
 * Both rings have {@code slots} IOrecs, a power of two at least {@code bufferCount}: at most {@code bufferCount}
 * buffers are ever out of the sender's hands, so neither ring fills while both ends are correct, and a full one
 * proves the peer broken.
 * <p>
 * Transmit (the sender, the master):
 * <ol>
 *   <li>Takes a free buffer from its private free list (refilled from the return ring) and hands the caller a
 *       writable view of it in the data area; the caller writes the message in place with plain stores.</li>
 *   <li>Writes the IOrec {base, length, DATA} at {@code producer & (slots - 1)} with plain stores.</li>
 *   <li>Stores the transmit producer index + 1 with release: the commit. A receiver that reads it (acquire) sees the
 *       IOrec and the message's bytes; a sender killed before it leaves nothing visible, never a torn message.</li>
 * </ol>
 * Receive: reads the transmit producer index (acquire), validates it ({@code consumer <= producer <= consumer +
 * slots}), copies each IOrec once and validates it (flags DATA, base a buffer's start inside the area, length at
 * most maxMessageLength), delivers a read-only view of the bytes in place, then, after the batch, stores the
 * transmit consumer index with release (the IOrec slots are free) and only then pushes one FREE IOrec per message
 * on the return ring and stores the return producer index with release (the receiver's reads of the bytes are done
 * before the sender can learn the buffer is free; the consumer index first, so that a buffer the sender gets back
 * never finds its transmit slot still taken). Return: the sender reads the return producer index (acquire),
 * validates it, copies each IOrec once and accepts it only for a buffer it sent and has not had back, with the
 * length it sent (no double free, no free of a range never sent; out of order is fine), then stores the return
 * consumer index with release.
 */
public final class RbufsChannelDescriptor
{
    /** Offset of the transmit producer index in the control area. */
    public static final int TX_PRODUCER_OFFSET = 0;
    /**
     * Offset of the end-of-stream word (the SPI's {@code Sender.finish()}): 0 while the stream goes on, then, stored
     * once with release after the last commit, 1 + the transmit producer index: the receiver has had every message
     * once its consumer index reaches that. A word beside the producer index rather than an IOrec, so that the end
     * needs no slot a message could be holding: it is never back pressured. Read only by a receiver that found
     * nothing new; a {@link ProcessRbufsReceiver}, which has no end of stream, never reads it.
     */
    public static final int END_OF_STREAM_OFFSET = 8;
    /** Offset of the transmit consumer index. */
    public static final int TX_CONSUMER_OFFSET = 128;
    /** Offset of the return producer index. */
    public static final int RETURN_PRODUCER_OFFSET = 256;
    /** Offset of the return consumer index. */
    public static final int RETURN_CONSUMER_OFFSET = 384;
    /** Offset of the transmit ring. */
    public static final int TX_RING_OFFSET = 512;

    /** Offset of an IOrec's base. */
    public static final int BASE_OFFSET = 0;
    /** Offset of an IOrec's length. */
    public static final int LENGTH_OFFSET = 4;
    /** Offset of an IOrec's flags. */
    public static final int FLAGS_OFFSET = 8;
    /** Bytes of an IOrec. */
    public static final int IOREC_LENGTH = 16;
    /** IOrec flag: the bytes are a message (transmit ring). */
    public static final int FLAG_DATA = 1;
    /** IOrec flag: the buffer is given back (return ring). */
    public static final int FLAG_FREE = 4;


    /** Buffers start at multiples of this (a cache line), so no two messages share a line. */
    public static final int BUFFER_ALIGNMENT = 64;
    /** Fewest buffers a channel has (one being filled while one is read). */
    public static final int MIN_BUFFERS = 2;
    /** Most buffers a channel has (its rings' slots). */
    public static final int MAX_BUFFERS = 4096;
    /** Largest data area. */
    public static final int MAX_CAPACITY = 64 * 1024 * 1024;

    private RbufsChannelDescriptor()
    {
    }

    /**
     * @param capacity         data-area bytes.
     * @param maxMessageLength longest message: each buffer's size.
     * @param frameSize        the memory's frame size.
     * @return null if an Rbufs channel may have these sizes, else the broken rule with values.
     */
    public static String checkSizes(final int capacity, final int maxMessageLength, final int frameSize)
    {
        if (maxMessageLength < 1 || maxMessageLength > ProcessChannelDescriptor.MAX_MESSAGE_LENGTH)
        {
            return "maxMessageLength=" + maxMessageLength + " must be in [1, " +
                ProcessChannelDescriptor.MAX_MESSAGE_LENGTH + "]";
        }
        if (capacity < frameSize || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            return "capacity=" + capacity + " must be a power of two in [" + frameSize + " (one frame), " +
                MAX_CAPACITY + "]";
        }
        final int buffers = capacity / stride(maxMessageLength);
        if (buffers < MIN_BUFFERS || buffers > MAX_BUFFERS)
        {
            return "capacity=" + capacity + " holds " + buffers + " buffers of stride " + stride(maxMessageLength) +
                " (maxMessageLength=" + maxMessageLength + "), not in [" + MIN_BUFFERS + ", " + MAX_BUFFERS + "]";
        }
        return null;
    }

    /**
     * @param maxMessageLength longest message.
     * @return bytes from one buffer's start to the next.
     */
    public static int stride(final int maxMessageLength)
    {
        return BitUtil.align(maxMessageLength, BUFFER_ALIGNMENT);
    }

    /**
     * @param capacity         checked data-area bytes.
     * @param maxMessageLength checked longest message.
     * @return how many buffers the data area holds.
     */
    public static int bufferCount(final int capacity, final int maxMessageLength)
    {
        return capacity / stride(maxMessageLength);
    }

    /**
     * @param bufferCount buffers.
     * @return IOrecs in each ring: the power of two at or above the buffer count.
     */
    public static int slots(final int bufferCount)
    {
        return BitUtil.findNextPositivePowerOfTwo(bufferCount);
    }

    /**
     * @param slots     IOrecs per ring.
     * @param frameSize the memory's frame size.
     * @return whole frames of the control area.
     */
    public static int controlFrames(final int slots, final int frameSize)
    {
        final long bytes = TX_RING_OFFSET + 2L * slots * IOREC_LENGTH;
        return (int)((bytes + frameSize - 1) / frameSize);
    }

    /**
     * @param capacity         checked data-area bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @return frames the channel takes: header, control area, data area.
     */
    public static int frameCount(final int capacity, final int maxMessageLength, final int frameSize)
    {
        return 1 + controlFrames(slots(bufferCount(capacity, maxMessageLength)), frameSize) + capacity / frameSize;
    }

    /**
     * @param slots IOrecs per ring.
     * @return offset of the return ring in the control area.
     */
    public static int returnRingOffset(final int slots)
    {
        return TX_RING_OFFSET + slots * IOREC_LENGTH;
    }

    /**
     * @param control the control area.
     * @param offset  an index's offset.
     * @return its value (acquire: pairs with its writer's release).
     */
    public static long indexAcquire(final AtomicBuffer control, final int offset)
    {
        return control.getLongAcquire(offset);
    }

    /**
     * @param control the control area.
     * @param offset  an index's offset.
     * @param value   its new value, from its one writer.
     */
    public static void indexRelease(final AtomicBuffer control, final int offset, final long value)
    {
        // Release: the peer that reads it (acquire) sees every IOrec (producer) or every read of them (consumer)
        // before it; the callers say what more it orders.
        control.putLongRelease(offset, value);
    }

    /**
     * Writes an IOrec with plain stores (its ring's producer index, released after, publishes it).
     *
     * @param control the control area.
     * @param offset  the IOrec's offset.
     * @param base    the buffer's offset in the data area.
     * @param length  the message's length.
     * @param flags   {@link #FLAG_DATA} or {@link #FLAG_FREE}.
     */
    public static void putIoRec(final AtomicBuffer control, final int offset, final int base, final int length,
        final int flags)
    {
        control.putInt(offset + BASE_OFFSET, base);
        control.putInt(offset + LENGTH_OFFSET, length);
        control.putInt(offset + FLAGS_OFFSET, flags);
    }
}
