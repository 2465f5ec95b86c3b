package io.barge.drivers.nic;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of one TX or RX descriptor of the simulated NIC, as a datasheet gives it. A ring is
 * {@code size} descriptors (a power of two) in physically consecutive frames owned by the driver domain and pinned
 * for DMA; the device reaches them by frame number through its DMA engine, never through the driver's mappings.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Buffer Frame  [DRIVER]                     |  0
 *  +-------------------------------+-------------------------------+
 *  |     Buffer Offset  [DRIVER]   |     Buffer Length  [DRIVER]   |  4
 *  +-------------------------------+-------------------------------+
 *  |                      Sequence  [DEVICE]                       |  8
 *  +-------------------------------+---------------+---------------+
 *  |   Completed Length [DEVICE]   | Status [DEV]  | Error  [DEV]  | 12
 *  +-------------------------------+---------------+---------------+
 * </pre>
 * <table>
 * <caption>Descriptor fields (little endian)</caption>
 * <tr><th>Offset</th><th>Bits</th><th>Field</th><th>Written by</th><th>Meaning</th></tr>
 * <tr><td>0</td><td>32</td><td>Buffer Frame</td><td>DRIVER</td><td>frame number of the buffer, pinned</td></tr>
 * <tr><td>4</td><td>16</td><td>Buffer Offset</td><td>DRIVER</td><td>first byte of the buffer in the frame</td></tr>
 * <tr><td>6</td><td>16</td><td>Buffer Length</td><td>DRIVER</td><td>TX: bytes to send; RX: capacity</td></tr>
 * <tr><td>8</td><td>32</td><td>Sequence</td><td>DEVICE</td><td>low 32 bits of the ring position completed
 * </td></tr>
 * <tr><td>12</td><td>16</td><td>Completed Length</td><td>DEVICE</td><td>TX: bytes sent; RX: bytes written</td></tr>
 * <tr><td>14</td><td>8</td><td>Status</td><td>DEVICE</td><td>{@link #STATUS_DONE}, {@link #STATUS_ERROR}</td></tr>
 * <tr><td>15</td><td>8</td><td>Error</td><td>DEVICE</td><td>{@code ERROR_*} code when ERROR is set</td></tr>
 * </table>
 * Protocol, per ring (positions are 64-bit counters; the slot is {@code position & (size - 1)}):
 * <ol>
 * <li>The driver fills Buffer Frame, Offset and Length of the slot at its tail and zeroes the device half
 *     (bytes 8..15), then bumps the tail doorbell with a release store ({@link NicRegistersDescriptor}); the
 *     device's acquire of the tail sees the descriptor.</li>
 * <li>The device copies the whole descriptor once (one DMA read) and validates its copy, never the ring again.</li>
 * <li>The device writes the device half back (one DMA write of bytes 8..15: Sequence, Completed Length,
 *     Status with DONE, with ERROR and an Error code if the transfer failed), then publishes its head with a
 *     release store; the driver's acquire of the head sees the write-back.</li>
 * <li>The driver reads each write-back between its clean position and the head once and trusts none of it: DONE
 *     must be set, Sequence must name that very position, and an RX Completed Length must fit the posted
 *     buffer.</li>
 * </ol>
 */
public final class NicDescriptor
{
    /** Byte order of every field. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Bytes per descriptor. */
    public static final int LENGTH = 16;
    /** Offset of the buffer's frame number. */
    public static final int BUFFER_FRAME_OFFSET = 0;
    /** Offset of the buffer's first byte in its frame (16 bits). */
    public static final int BUFFER_OFFSET_OFFSET = 4;
    /** Offset of the buffer length: bytes to send, or the RX capacity (16 bits). */
    public static final int BUFFER_LENGTH_OFFSET = 6;
    /** Offset of the device half, written back in one DMA write. */
    public static final int WRITE_BACK_OFFSET = 8;
    /** Length of the device half. */
    public static final int WRITE_BACK_LENGTH = 8;
    /** Offset of the sequence (low 32 bits of the completed position). */
    public static final int SEQUENCE_OFFSET = 8;
    /** Offset of the completed length (16 bits). */
    public static final int COMPLETED_LENGTH_OFFSET = 12;
    /** Offset of the status byte. */
    public static final int STATUS_OFFSET = 14;
    /** Offset of the error code byte. */
    public static final int ERROR_OFFSET = 15;

    /** Status bit: the device has completed the descriptor. */
    public static final int STATUS_DONE = 0x01;
    /** Status bit: the transfer failed; Error says why. */
    public static final int STATUS_ERROR = 0x02;

    /** No error. */
    public static final int ERROR_NONE = 0;
    /** The buffer frame was not pinned for DMA, or the range left it: nothing was transferred. */
    public static final int ERROR_DMA_FAULT = 1;
    /** Offset or length impossible (zero length, or the buffer leaves its frame). */
    public static final int ERROR_BAD_DESCRIPTOR = 2;
    /** TX: the frame is longer than the link's MTU. */
    public static final int ERROR_OVERSIZE = 3;
    /** RX: the frame off the wire is longer than the posted buffer. */
    public static final int ERROR_BUFFER_TOO_SMALL = 4;

    /** Largest value of a 16-bit length or offset field. */
    public static final int MAX_FIELD = 0xFFFF;

    private NicDescriptor()
    {
    }

    /**
     * @param index ring slot.
     * @return byte offset of the slot's descriptor from the ring's start.
     */
    public static int descriptorOffset(final int index)
    {
        return index * LENGTH;
    }

    /**
     * @param size     descriptors in the ring.
     * @param pageSize frame size.
     * @return frames the ring occupies.
     */
    public static int ringFrames(final int size, final int pageSize)
    {
        return (size * LENGTH + pageSize - 1) / pageSize;
    }

    /**
     * @param size ring size to check.
     * @param max  largest size allowed.
     * @throws IllegalArgumentException unless a power of two in [2, max].
     */
    public static void checkRingSize(final int size, final int max)
    {
        if (size < 2 || size > max || Integer.bitCount(size) != 1)
        {
            throw new IllegalArgumentException("ring size=" + size + " is not a power of two in [2, " + max + "]");
        }
    }

    /**
     * The driver half: a buffer posted (RX) or to send (TX); clears the device half.
     *
     * @param buffer the ring.
     * @param offset the descriptor.
     * @param frame  buffer frame.
     * @param bufferOffset first byte in the frame.
     * @param length bytes to send, or capacity.
     */
    public static void post(
        final MutableDirectBuffer buffer, final int offset, final int frame, final int bufferOffset, final int length)
    {
        buffer.putInt(offset + BUFFER_FRAME_OFFSET, frame, ORDER);
        buffer.putShort(offset + BUFFER_OFFSET_OFFSET, (short)bufferOffset, ORDER);
        buffer.putShort(offset + BUFFER_LENGTH_OFFSET, (short)length, ORDER);
        buffer.putLong(offset + WRITE_BACK_OFFSET, 0L, ORDER);
    }

    /**
     * The device half, in a write-back buffer of {@link #WRITE_BACK_LENGTH} bytes at {@code offset}.
     *
     * @param buffer    write-back staging buffer.
     * @param offset    start of the device half in it.
     * @param sequence  low 32 bits of the position completed.
     * @param completed bytes moved.
     * @param status    {@link #STATUS_DONE}, with {@link #STATUS_ERROR} on failure.
     * @param error     {@code ERROR_*}.
     */
    public static void writeBack(
        final MutableDirectBuffer buffer, final int offset, final int sequence, final int completed, final int status,
        final int error)
    {
        buffer.putInt(offset + SEQUENCE_OFFSET - WRITE_BACK_OFFSET, sequence, ORDER);
        buffer.putShort(offset + COMPLETED_LENGTH_OFFSET - WRITE_BACK_OFFSET, (short)completed, ORDER);
        buffer.putByte(offset + STATUS_OFFSET - WRITE_BACK_OFFSET, (byte)status);
        buffer.putByte(offset + ERROR_OFFSET - WRITE_BACK_OFFSET, (byte)error);
    }

    /**
     * @param buffer a descriptor copy or ring.
     * @param offset the descriptor.
     * @return buffer frame.
     */
    public static int bufferFrame(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + BUFFER_FRAME_OFFSET, ORDER);
    }

    /**
     * @param buffer a descriptor copy or ring.
     * @param offset the descriptor.
     * @return buffer offset, unsigned.
     */
    public static int bufferOffset(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + BUFFER_OFFSET_OFFSET, ORDER) & MAX_FIELD;
    }

    /**
     * @param buffer a descriptor copy or ring.
     * @param offset the descriptor.
     * @return buffer length, unsigned.
     */
    public static int bufferLength(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + BUFFER_LENGTH_OFFSET, ORDER) & MAX_FIELD;
    }

    /**
     * Reads the whole device half in one 64-bit load, so that the driver copies it once: Sequence in the low 32
     * bits, Completed Length in bits 32..47, Status in 48..55, Error in 56..63 (little endian).
     *
     * @param buffer the ring.
     * @param offset the descriptor.
     * @return the write-back word; decode with {@link #sequence(long)} and friends.
     */
    public static long writeBackWord(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + WRITE_BACK_OFFSET, ORDER);
    }

    /**
     * @param word a write-back word.
     * @return its sequence.
     */
    public static int sequence(final long word)
    {
        return (int)word;
    }

    /**
     * @param word a write-back word.
     * @return its completed length.
     */
    public static int completedLength(final long word)
    {
        return (int)(word >>> 32) & MAX_FIELD;
    }

    /**
     * @param word a write-back word.
     * @return its status bits.
     */
    public static int status(final long word)
    {
        return (int)(word >>> 48) & 0xFF;
    }

    /**
     * @param word a write-back word.
     * @return its error code.
     */
    public static int error(final long word)
    {
        return (int)(word >>> 56) & 0xFF;
    }
}
