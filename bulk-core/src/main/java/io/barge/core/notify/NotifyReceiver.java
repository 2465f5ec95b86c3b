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
     * the call; a handler that keeps values copies them (and, the peer being untrusted, reads each value once). A
     * close from another thread during the call may leave the handler reading zeros (the views are discarded): a
     * caller that acts on what the handler copied reads the channel's state after a
     * {@link java.lang.invoke.VarHandle#loadLoadFence()} and drops the values if it is no longer open.
     *
     * @param handler called once per message.
     * @param limit   most messages to deliver.
     * @return messages delivered.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol; the channel is then broken,
     *                                                  its error handler told.
     * @throws io.barge.core.ChannelClosedException     if the channel is closed or broken.
     */
    int poll(NotifyHandler handler, int limit);

    /**
     * Registers a single-shot handler on a waitset for the next arrival: UMP registers a polled channel (the
     * waitset's dispatchers peek at the ring), LMP an idle one the kernel triggers. If a message is already waiting
     * the handler becomes pending at once. The handler typically polls and registers again.
     *
     * @param waitset the waitset whose dispatcher runs the handler.
     * @param handler the handler.
     * @throws IllegalStateException if a handler is already registered.
     */
    default void registerReceive(Waitset waitset, Runnable handler)
    {
        throw new UnsupportedOperationException(getClass().getName() + " has no waitset integration");
    }

    /**
     * Cancels the handler {@link #registerReceive} registered, if it has not been delivered yet: it will not run
     * (unless a dispatcher already took it) and a handler may be registered again at once, on any waitset.
     *
     * @return whether a registration was outstanding.
     */
    default boolean cancelReceive()
    {
        throw new UnsupportedOperationException(getClass().getName() + " has no waitset integration");
    }

    /**
     * Makes the handler {@link #registerReceive} registered pending now, without a message: a transport above this
     * channel was torn down and its receiver's next call (which the handler makes) learns of it. Safe from any
     * thread; does nothing if no handler is registered.
     */
    default void wakeReceive()
    {
        throw new UnsupportedOperationException(getClass().getName() + " has no waitset integration");
    }
}
