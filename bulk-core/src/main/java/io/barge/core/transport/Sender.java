package io.barge.core.transport;

import io.barge.core.Domain;

/**
 * The originating end of a {@link Channel}: claim a writable buffer, fill it, commit it. Not thread safe: one
 * thread acts for the sending domain.
 */
public interface Sender
{
    /**
     * @return the sending domain.
     */
    Domain domain();

    /**
     * @return the largest message this channel carries.
     */
    int maxMessageLength();

    /**
     * @return a claim flyweight for this sender; allocate once, reuse for every message.
     */
    Claim newClaim();

    /**
     * Claims a writable buffer of {@code length} bytes for the next message. A successful claim reserves
     * everything the commit needs, so {@link #commit(Claim)} cannot be back pressured.
     *
     * @param length message length, 1..{@link #maxMessageLength()}.
     * @param claim  the flyweight to point at the buffer.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED}.
     * @throws IllegalArgumentException          if the length is out of range.
     * @throws io.barge.core.ChannelClosedException if the channel has been torn down.
     */
    int tryClaim(int length, Claim claim);

    /**
     * Sends the claimed buffer to the receiver.
     *
     * @param claim an active claim of this sender.
     */
    void commit(Claim claim);

    /**
     * Gives a claimed buffer back unsent.
     *
     * @param claim an active claim of this sender.
     */
    void abort(Claim claim);

    /**
     * Passes a message this domain received on to this channel's receiver. Transports that can do so hand the
     * message's memory on without touching its bytes; others copy. On {@link Status#OK} the message has been
     * consumed (released from the inbound channel); on back pressure it is still held and unchanged.
     *
     * @param message a held message received by {@link #domain()}.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED}.
     */
    int forward(Message message);
}
