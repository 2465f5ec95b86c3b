package io.barge.core.notify;

import java.util.function.Consumer;

/**
 * A one-way notification channel between two domains (UMP or LMP), as transports use it for their control
 * messages. Closing it returns every frame it holds.
 */
public interface NotifyChannel extends AutoCloseable
{
    /**
     * @return the sending end.
     */
    NotifySender sender();

    /**
     * @return the receiving end.
     */
    NotifyReceiver receiver();

    /**
     * @return whether the channel is open and not broken.
     */
    boolean isOpen();

    /**
     * @param handler told once when the channel breaks (a protocol violation seen by either end).
     */
    void errorHandler(Consumer<Throwable> handler);

    /**
     * Tears the channel down and frees its memory. Idempotent.
     */
    @Override
    void close();
}
