package io.barge.core.copy;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The notifications a copy channel's sender writes into its notification channel (UMP slot or LMP entry payload).
 * The receiver is told what the kernel pipe holds; its kernel checks every length against its own record, and the
 * end record's count against the messages it delivered, so a lying sender breaks only its own channel.
 * <pre>
 *   DATA (type {@link #TYPE_DATA}, 8 bytes): one message was copied into the kernel pipe.
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     length [SENDER]                           |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *
 *   END (type {@link #TYPE_END}, 8 bytes): the sender finished; nothing follows.
 *  +---------------------------------------------------------------+
 *  |                     messages committed before [SENDER]        |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
final class CopyNotificationDescriptor
{
    /** A message in the kernel pipe. */
    static final int TYPE_DATA = 1;
    /** The end of the stream. */
    static final int TYPE_END = 3;
    /** Offset of the DATA record's length. */
    static final int LENGTH_OFFSET = 0;
    /** Offset of the END record's message count. */
    static final int COUNT_OFFSET = 0;
    /** Payload length of either record. */
    static final int PAYLOAD_LENGTH = 8;

    private CopyNotificationDescriptor()
    {
    }

    static void length(final MutableDirectBuffer buffer, final int payload, final long length)
    {
        buffer.putLong(payload + LENGTH_OFFSET, length);
    }

    static void count(final MutableDirectBuffer buffer, final int payload, final long count)
    {
        buffer.putLong(payload + COUNT_OFFSET, count);
    }

    /**
     * @return the peer-written word of a record, or -1 if the record is too short to hold it.
     */
    static long word(final DirectBuffer buffer, final int payload, final int payloadLength)
    {
        return payloadLength >= PAYLOAD_LENGTH ? buffer.getLong(payload + LENGTH_OFFSET) : -1;
    }
}
