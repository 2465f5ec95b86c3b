package io.barge.core.transport;

/**
 * A one-way bulk channel between two domains, opened by a {@link Transport}.
 */
public interface Channel extends AutoCloseable
{
    /**
     * @return the originating end.
     */
    Sender sender();

    /**
     * @return the receiving end.
     */
    Receiver receiver();

    /**
     * @return whether the channel is open and not broken.
     */
    boolean isOpen();

    /**
     * Tears the channel down: every frame it holds, including those of messages in flight or held, is returned.
     * Idempotent.
     */
    @Override
    void close();
}
