package io.barge.rbufs;

import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.NotifySender;
import org.agrona.DirectBuffer;

/**
 * One end's pair of event channels, multiplexed on two one-way notification channels: every message carries this
 * end's two counters (the head of the ring it produces, the tail of the ring it consumes) as 64-bit values, so one
 * notification signals both. Counters only grow, so a later value supersedes an earlier one: if the notification
 * ring is full the values wait and go with the next call ({@link #flush()}).
 * <pre>
 *   Counter message payload (type {@link #TYPE_COUNTERS}, 16 bytes):
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 first counter [SENDING END]                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 second counter [SENDING END]                  |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
final class CounterLink extends LinePadding
{
    /** Notification type of a counter message. */
    static final int TYPE_COUNTERS = 1;
    /** Offset of the first counter in the payload. */
    static final int FIRST_OFFSET = 0;
    /** Offset of the second counter in the payload. */
    static final int SECOND_OFFSET = 8;
    /** Payload length. */
    static final int PAYLOAD_LENGTH = 16;

    /** Receives the peer's counters, each value read once from the notification. */
    interface Listener
    {
        /**
         * @param first  the peer's first counter.
         * @param second the peer's second counter.
         * @throws ProtocolViolationException if impossible.
         */
        void onCounters(long first, long second);
    }

    private final NotifyChannel out;
    private final NotifyChannel in;
    private final Listener listener;
    private final NotifyHandler handler = this::onNotify;
    private long pendingFirst;
    private long pendingSecond;
    private boolean pending;
    private ProtocolViolationException violation;

    /**
     * @param out      channel this end sends on.
     * @param in       channel this end receives on.
     * @param listener told of the peer's counters.
     */
    CounterLink(final NotifyChannel out, final NotifyChannel in, final Listener listener)
    {
        this.out = out;
        this.in = in;
        this.listener = listener;
    }

    /**
     * Signals this end's counters (now, or with the next call if the notification ring is full).
     *
     * @param first  first counter.
     * @param second second counter.
     */
    void publish(final long first, final long second)
    {
        pendingFirst = first;
        pendingSecond = second;
        pending = true;
        flush();
    }

    /**
     * Sends counters that could not be sent before.
     *
     * @return whether nothing is left waiting.
     */
    boolean flush()
    {
        if (!pending)
        {
            return true;
        }
        final NotifySender sender = out.sender();
        final int at = sender.tryClaim();
        if (at < 0)
        {
            return false;
        }
        sender.buffer().putLong(at + FIRST_OFFSET, pendingFirst);
        sender.buffer().putLong(at + SECOND_OFFSET, pendingSecond);
        sender.commit(TYPE_COUNTERS, PAYLOAD_LENGTH);
        pending = false;
        return true;
    }

    /**
     * Delivers every waiting counter message to the listener, in order.
     *
     * @return messages taken.
     * @throws ProtocolViolationException if a message is malformed or a counter impossible.
     */
    int poll()
    {
        final int taken = in.receiver().poll(handler, Integer.MAX_VALUE);
        final ProtocolViolationException ex = violation;
        if (ex != null)
        {
            throw ex;
        }
        return taken;
    }

    private void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (violation != null)
        {
            return; // the link is already broken: ignore whatever else the peer sent
        }
        if (type != TYPE_COUNTERS || length != PAYLOAD_LENGTH)
        {
            violation = new ProtocolViolationException("counter message type=" + type + " length=" + length +
                ", expected type=" + TYPE_COUNTERS + " length=" + PAYLOAD_LENGTH);
            return;
        }
        final long first = buffer.getLong(offset + FIRST_OFFSET);
        final long second = buffer.getLong(offset + SECOND_OFFSET);
        try
        {
            listener.onCounters(first, second);
        }
        catch (final ProtocolViolationException ex)
        {
            violation = ex;
        }
    }

    /**
     * @return the channel this end sends on (tests use it to forge counters).
     */
    NotifyChannel out()
    {
        return out;
    }

    /**
     * Closes both notification channels.
     */
    void close()
    {
        out.close();
        in.close();
    }
}
