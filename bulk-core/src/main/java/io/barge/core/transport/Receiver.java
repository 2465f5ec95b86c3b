package io.barge.core.transport;

import io.barge.core.Domain;

/**
 * The receiving end of a {@link Channel}. Not thread safe: one thread acts for the receiving domain.
 */
public interface Receiver
{
    /**
     * @return the receiving domain.
     */
    Domain domain();

    /**
     * @return a message flyweight for this receiver; allocate once per message the caller wants to hold at a time.
     */
    Message newMessage();

    /**
     * Takes the next message, if any, into a released flyweight.
     *
     * @param into a flyweight not currently held.
     * @return {@link Status#OK} if a message was delivered, {@link Status#EMPTY} if none is waiting, or
     *         {@link Status#BACK_PRESSURED} if the receiver holds as many messages as it may.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol; the channel is then broken.
     * @throws io.barge.core.ChannelClosedException     if the channel has been torn down.
     */
    int poll(Message into);

    /**
     * Gives a message back: its memory returns to whoever manages it.
     *
     * @param message a held message from this receiver.
     * @throws io.barge.core.BufferStateException if the message is not held (released twice).
     */
    void release(Message message);
}
