package io.barge.core.transport;

/**
 * A one-way bulk channel between two domains, opened by a {@link Transport}.
 * <p>
 * <b>Ending a channel.</b> The graceful end is: the sender calls {@link Sender#finish()}; the receiver polls until
 * {@link Status#END_OF_STREAM} (every message committed before the finish has then been delivered) and releases
 * what it holds; then either end calls {@link #close()}. {@link #close()} on its own is abortive.
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
     * Tears the channel down, abortively: messages in flight are discarded, held messages and active claims end
     * (their memory is gone), and every frame the channel holds is returned. Callable from any thread: an end's
     * call in progress on another thread finishes first, and every later call on either end throws
     * {@link io.barge.core.ChannelClosedException}; registered waitset handlers run once so that they learn of
     * it. Idempotent.
     */
    @Override
    void close();
}
