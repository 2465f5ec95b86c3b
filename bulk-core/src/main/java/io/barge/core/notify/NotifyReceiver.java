package io.barge.core.notify;

import io.barge.core.Domain;

/**
 * The receiving end of a one-way notification channel. Not thread safe: one thread acts for the receiving domain.
 */
public interface NotifyReceiver
{
    /**
     * @return the receiving domain.
     */
    Domain domain();

    /**
     * Delivers up to {@code limit} waiting messages, in order, to the handler. The payload view is valid only during
     * the call; a handler that keeps values copies them (and, the peer being untrusted, reads each value once).
     *
     * @param handler called once per message.
     * @param limit   most messages to deliver.
     * @return messages delivered.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol; the channel is then broken,
     *                                                  its error handler told.
     * @throws io.barge.core.ChannelClosedException     if the channel is closed or broken.
     */
    int poll(NotifyHandler handler, int limit);
}
