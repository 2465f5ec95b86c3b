package io.barge.core;

/**
 * Layout of one frame's record in the kernel's {@link FrameTable}: one 64-byte cache line per frame, so that the
 * words of frames held by domains on different cores never share a line.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Pin word (low half)                       |
 *  +---------------------------------------------------------------+
 *  |                     Pin word (high half)                      |
 *  +---------------------------------------------------------------+
 *  |                            Owner                              |
 *  +---------------------------------------------------------------+
 *  |                          Map count                            |
 *  +---------------------------------------------------------------+
 *  |                      Padding (48 bytes)                      ...
 *  +---------------------------------------------------------------+
 * </pre>
 * <ul>
 *   <li>Pin word [KERNEL]: pin count, orphan and free marks and the allocation generation (see {@link Kernel});
 *   changed only by compare-and-set, except on allocation, when nothing races it (release store).</li>
 *   <li>Owner [KERNEL]: the owning domain's id, or -1 if free; written with release, read with acquire.</li>
 *   <li>Map count [KERNEL]: page-table entries that map the frame; atomic adds under different domains' page-table
 *   locks.</li>
 * </ul>
 */
final class FrameRecordDescriptor
{
    /** One cache line per frame. */
    static final int RECORD_LENGTH = 64;
    static final int PIN_WORD_OFFSET = 0;
    static final int OWNER_OFFSET = 8;
    static final int MAP_COUNT_OFFSET = 12;
    /** Most frames a table can describe: its bytes must fit an int offset. */
    static final int MAX_FRAMES = Integer.MAX_VALUE / RECORD_LENGTH;

    private FrameRecordDescriptor()
    {
    }

    static int recordOffset(final int frame)
    {
        return frame * RECORD_LENGTH;
    }

    static int pinWordOffset(final int frame)
    {
        return recordOffset(frame) + PIN_WORD_OFFSET;
    }

    static int ownerOffset(final int frame)
    {
        return recordOffset(frame) + OWNER_OFFSET;
    }

    static int mapCountOffset(final int frame)
    {
        return recordOffset(frame) + MAP_COUNT_OFFSET;
    }

    /**
     * @param frameCount frames to describe.
     * @throws IllegalArgumentException unless in {@code [1, MAX_FRAMES]}.
     */
    static void checkFrameCount(final int frameCount)
    {
        if (frameCount < 1 || frameCount > MAX_FRAMES)
        {
            throw new IllegalArgumentException("frameCount=" + frameCount + " must be in [1, " + MAX_FRAMES + "]");
        }
    }
}
