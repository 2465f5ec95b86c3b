package io.barge.core.device;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The payload of the LMP message the kernel's first-level interrupt handler sends to a driver's endpoint.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        Line Id  [KERNEL]                       |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (zero)                        |
 *  +---------------------------------------------------------------+
 *  |                     Events  [KERNEL], 64 bits                 |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 * Events is how many raises this delivery stands for (one, or more when raises came while the line was masked or
 * in service). The message type is {@link #MESSAGE_TYPE}.
 */
public final class InterruptMessageDescriptor
{
    /** LMP message type of an interrupt. */
    public static final int MESSAGE_TYPE = 96;
    /** Offset of the line id. */
    public static final int LINE_ID_OFFSET = 0;
    /** Offset of the event count. */
    public static final int EVENTS_OFFSET = 8;
    /** Payload length. */
    public static final int LENGTH = 16;

    private InterruptMessageDescriptor()
    {
    }

    /**
     * @param buffer payload buffer.
     * @param offset payload start.
     * @return the line id.
     */
    public static int lineId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + LINE_ID_OFFSET);
    }

    /**
     * @param buffer payload buffer.
     * @param offset payload start.
     * @return the event count.
     */
    public static long events(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + EVENTS_OFFSET);
    }

    static void write(final MutableDirectBuffer buffer, final int offset, final int lineId, final long events)
    {
        buffer.putInt(offset + LINE_ID_OFFSET, lineId);
        buffer.putInt(offset + LINE_ID_OFFSET + 4, 0);
        buffer.putLong(offset + EVENTS_OFFSET, events);
    }
}
