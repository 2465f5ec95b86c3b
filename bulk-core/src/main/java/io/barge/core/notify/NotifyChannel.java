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
     * Tears the channel down and frees its memory. Idempotent. The frames an end on another live thread may still
     * touch return at that end's next call (see {@link UmpChannel} and {@link LmpChannel}).
     */
    @Override
    void close();

    /**
     * Tears the channel down for a caller that guarantees that no thread is inside a call of either end and that
     * every later call sees the teardown first: a transport whose own per-end gate (rbufs' end gates, fbufs' end
     * activity) has already barred and waited out the threads that call these ends. Every frame returns at once.
     * Idempotent, and may follow {@link #close()} to return what it kept.
     */
    default void closeQuiescent()
    {
        close();
    }
}
