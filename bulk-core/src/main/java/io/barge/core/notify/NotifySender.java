package io.barge.core.notify;

import io.barge.core.Domain;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The sending end of a one-way notification channel: small messages of up to {@link #MAX_PAYLOAD_LENGTH} bytes
 * with a 7-bit type, delivered in order. Implemented by UMP (a shared ring the receiver polls) and LMP (the kernel
 * copies the words into the receiver's endpoint). Not thread safe: one thread acts for the sending domain.
 */
public interface NotifySender
{
    /** Largest payload: one 64-byte cache-line slot less its 8-byte control word. */
    int MAX_PAYLOAD_LENGTH = 56;
    /** Largest message type. */
    int MAX_TYPE = 127;

    /**
     * @return the sending domain.
     */
    Domain domain();

    /**
     * Claims room for one message; write the payload at the returned offset of {@link #buffer()}, then
     * {@link #commit(int, int)}. A claim must be committed before the next one.
     *
     * @return the payload offset in {@link #buffer()} (zero or more), or
     *         {@link io.barge.core.transport.Status#BACK_PRESSURED} if the receiver has not freed room.
     * @throws io.barge.core.ChannelClosedException     if the channel is closed or broken.
     * @throws io.barge.core.ProtocolViolationException if the peer's acknowledgement is impossible; the channel is
     *                                                  then broken.
     */
    int tryClaim();

    /**
     * @return the buffer that {@link #tryClaim()} offsets point into.
     */
    MutableDirectBuffer buffer();

    /**
     * Publishes the claimed message.
     *
     * @param type   message type, 0..{@link #MAX_TYPE}.
     * @param length payload bytes, 0..{@link #MAX_PAYLOAD_LENGTH}.
     */
    void commit(int type, int length);

    /**
     * Claims, copies and commits in one call.
     *
     * @param type   message type.
     * @param src    payload source.
     * @param offset first payload byte.
     * @param length payload bytes.
     * @return {@link io.barge.core.transport.Status#OK} or {@link io.barge.core.transport.Status#BACK_PRESSURED}.
     */
    default int offer(final int type, final DirectBuffer src, final int offset, final int length)
    {
        if (length < 0 || length > MAX_PAYLOAD_LENGTH)
        {
            throw new IllegalArgumentException("length=" + length + " exceeds MAX_PAYLOAD_LENGTH=" +
                MAX_PAYLOAD_LENGTH);
        }
        final int at = tryClaim();
        if (at < 0)
        {
            return at;
        }
        buffer().putBytes(at, src, offset, length);
        commit(type, length);
        return io.barge.core.transport.Status.OK;
    }
}
