package io.barge.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of a physical memory region: one header page, then the frames.
 * <p>
 * Region:
 * <pre>
 *   +-----------------------------+ 0
 *   |   Header (one header page)  |
 *   +-----------------------------+ HEADER_LENGTH
 *   |   Frame 0                   |
 *   +-----------------------------+ HEADER_LENGTH + frameSize
 *   |   ...                       |
 *   +-----------------------------+ HEADER_LENGTH + frameCount * frameSize
 * </pre>
 * Header, written once by the creator before any other process attaches:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Magic (64)                           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         Version (32)                          |
 *  +---------------------------------------------------------------+
 *  |                        Frame Size (32)                        |
 *  +---------------------------------------------------------------+
 *  |                        Frame Count (32)                       |
 *  +---------------------------------------------------------------+
 *  |                       Header Length (32)                      |
 *  +---------------------------------------------------------------+
 * </pre>
 * All fields are written by the [CREATOR] only; attachers read and check them.
 */
public final class PhysicalMemoryDescriptor
{
    /** "BARGEMEM" in ASCII, little-endian. */
    public static final long MAGIC = 0x4D454D4547524142L;
    /** Bumped whenever the layout changes. */
    public static final int VERSION = 1;

    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 8;
    /** Offset of the frame size in bytes. */
    public static final int FRAME_SIZE_OFFSET = 12;
    /** Offset of the number of frames. */
    public static final int FRAME_COUNT_OFFSET = 16;
    /** Offset of the header length: where frame 0 begins. */
    public static final int HEADER_LENGTH_OFFSET = 20;
    /** Bytes the header fields occupy. */
    public static final int HEADER_FIELDS_LENGTH = 24;
    /** The header takes one 4 KiB page so that frames stay page aligned in a mapped file. */
    public static final int HEADER_LENGTH = 4096;

    /** Smallest frame the simulation supports: a frame must hold a page-table page of 64-bit entries. */
    public static final int MIN_FRAME_SIZE = 512;
    /** Largest frame: one huge page. */
    public static final int MAX_FRAME_SIZE = 1 << 21;

    private PhysicalMemoryDescriptor()
    {
    }

    /**
     * @param frameSize  bytes per frame.
     * @param frameCount number of frames.
     * @return bytes the whole region needs.
     * @throws IllegalArgumentException if the sizes are invalid or the region would exceed 2 GiB.
     */
    public static long regionLength(final int frameSize, final int frameCount)
    {
        checkFrameSize(frameSize);
        if (frameCount <= 0)
        {
            throw new IllegalArgumentException("frameCount=" + frameCount + " must be positive");
        }
        final long length = HEADER_LENGTH + (long)frameSize * frameCount;
        if (length > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException(
                "frameCount=" + frameCount + " * frameSize=" + frameSize + " exceeds the 2 GiB region limit");
        }
        return length;
    }

    /**
     * @param frameSize bytes per frame.
     * @throws IllegalArgumentException unless a power of two within [MIN_FRAME_SIZE, MAX_FRAME_SIZE].
     */
    public static void checkFrameSize(final int frameSize)
    {
        if (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE || Integer.bitCount(frameSize) != 1)
        {
            throw new IllegalArgumentException("frameSize=" + frameSize + " must be a power of two in [" +
                MIN_FRAME_SIZE + ", " + MAX_FRAME_SIZE + "]");
        }
    }

    /**
     * @param frameIndex frame number.
     * @param frameSize  bytes per frame.
     * @return offset of the frame's first byte in the region.
     */
    public static int frameOffset(final int frameIndex, final int frameSize)
    {
        return HEADER_LENGTH + frameIndex * frameSize;
    }

    static void writeHeader(final MutableDirectBuffer buffer, final int frameSize, final int frameCount)
    {
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(FRAME_SIZE_OFFSET, frameSize);
        buffer.putInt(FRAME_COUNT_OFFSET, frameCount);
        buffer.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        // The magic goes last so an attacher that sees it also sees the fields it guards.
        buffer.putLong(MAGIC_OFFSET, MAGIC);
    }

    /**
     * Checks a region header against the region's real length.
     *
     * @param buffer       the mapped region.
     * @param actualLength bytes actually mapped.
     * @param source       where the region came from, for the message.
     * @throws MemoryFileFormatException if the magic, version or lengths are wrong.
     */
    public static void checkHeader(final DirectBuffer buffer, final long actualLength, final String source)
    {
        if (actualLength < HEADER_FIELDS_LENGTH)
        {
            throw new MemoryFileFormatException(source + ": length=" + actualLength +
                " is shorter than the header of " + HEADER_FIELDS_LENGTH + " bytes");
        }
        final long magic = buffer.getLong(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw new MemoryFileFormatException(source + ": magic=0x" + Long.toHexString(magic) +
                " expected=0x" + Long.toHexString(MAGIC));
        }
        final int version = buffer.getInt(VERSION_OFFSET);
        if (version != VERSION)
        {
            throw new MemoryFileFormatException(source + ": version=" + version + " expected=" + VERSION);
        }
        final int headerLength = buffer.getInt(HEADER_LENGTH_OFFSET);
        if (headerLength != HEADER_LENGTH)
        {
            throw new MemoryFileFormatException(source + ": headerLength=" + headerLength +
                " expected=" + HEADER_LENGTH);
        }
        final int frameSize = buffer.getInt(FRAME_SIZE_OFFSET);
        final int frameCount = buffer.getInt(FRAME_COUNT_OFFSET);
        final long required;
        try
        {
            required = regionLength(frameSize, frameCount);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new MemoryFileFormatException(source + ": bad layout: " + ex.getMessage());
        }
        if (actualLength < required)
        {
            throw new MemoryFileFormatException(source + ": length=" + actualLength + " is shorter than the " +
                required + " bytes that frameSize=" + frameSize + " frameCount=" + frameCount + " need");
        }
    }
}
