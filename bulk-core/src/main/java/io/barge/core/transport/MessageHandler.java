package io.barge.core.transport;

/**
 * Told of each message a {@link Receiver#poll(MessageHandler, int)} delivers (Aeron's {@code FragmentHandler} and
 * Agrona's {@code MessageHandler} are the model).
 */
@FunctionalInterface
public interface MessageHandler
{
    /**
     * Handles one message. The message is held only while this runs: afterwards the receiver releases it, unless
     * the handler released or forwarded it itself ({@link Message#isHeld()} false). A handler that keeps bytes
     * copies them; one that throws has the message released and its exception passed on to the poller.
     *
     * @param message a held message; the same flyweight is reused for every call.
     */
    void onMessage(Message message);
}
