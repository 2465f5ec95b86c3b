package io.barge.core.transport;

import io.barge.core.Domain;
import io.barge.core.notify.Waitset;

import java.util.concurrent.TimeUnit;

/**
 * The originating end of a {@link Channel}: claim a writable buffer, fill it, commit it. Not thread safe: one
 * thread acts for the sending domain (only {@link Channel#close()} may come from another thread).
 * <p>
 * <b>Capacity.</b> At most {@link ChannelConfig#capacity()} messages are committed and not yet released by the
 * receiver (in flight or held), claims counting as committed: with nothing released, exactly {@code capacity}
 * {@code tryClaim} + {@code commit} succeed and the next {@code tryClaim} is {@link Status#BACK_PRESSURED}.
 * <p>
 * <b>Waiting for room.</b> A sender that retries a back-pressured {@code tryClaim} in a loop of its own uses an
 * Agrona {@code IdleStrategy}; each transport's sender says which one suits it. One thread serving many channels
 * registers back-pressured senders on one {@link Waitset} ({@link #registerForSpace}). A thread that serves one
 * sender and would rather wait than loop calls the waiting forms: {@link #awaitClaim}, and with a timeout
 * {@link #tryClaim(int, Claim, long, TimeUnit)} and {@link #forward(Message, long, TimeUnit)}.
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
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (the receiver holds or has not yet taken
     *         {@code capacity} messages).
     * @throws IllegalArgumentException               if the length is out of range.
     * @throws IllegalStateException                  if {@link #finish()} was called.
     * @throws io.barge.core.OutOfFramesException     if the kernel has no free frame for the buffer (not back
     *                                                pressure: nothing was reserved).
     * @throws io.barge.core.ChannelClosedException   if the channel has been torn down.
     */
    int tryClaim(int length, Claim claim);

    /**
     * Claims as {@link #tryClaim(int, Claim)} does, waiting as long as back pressure lasts (as {@code BlockingQueue.put} waits
     * for room), the way {@link #tryClaim(int, Claim, long, TimeUnit)} waits. To stop a wait that may never end (a
     * receiver that stopped releasing), close the channel from another thread: the wait ends with
     * {@link io.barge.core.ChannelClosedException}.
     *
     * @param length message length, 1..{@link #maxMessageLength()}.
     * @param claim  the flyweight to point at the buffer; active when this returns.
     * @throws IllegalArgumentException if the length is out of range.
     * @throws IllegalStateException    if {@link #finish()} was called.
     * @throws io.barge.core.OutOfFramesException   if the kernel has no free frame for the buffer.
     * @throws io.barge.core.ChannelClosedException if the channel has been torn down, before or during the wait.
     */
    default void awaitClaim(final int length, final Claim claim)
    {
        while (Waits.claim(this, length, claim, Long.MAX_VALUE, TimeUnit.NANOSECONDS) != Status.OK)
        {
            // A wait of ~146 years ended without room: wait again.
        }
    }

    /**
     * Claims as {@link #tryClaim(int, Claim)} does, waiting at most {@code timeout} while back pressure lasts: between tries the
     * thread spins, yields, then parks for 1 us doubling to 100 us, so it sees room at most that late; it allocates
     * nothing. A {@link Channel#close()} from another thread ends the wait at the next try with
     * {@link io.barge.core.ChannelClosedException}.
     *
     * @param length  message length, 1..{@link #maxMessageLength()}.
     * @param claim   the flyweight to point at the buffer.
     * @param timeout longest wait; zero tries once.
     * @param unit    its unit.
     * @return {@link Status#OK}, or {@link Status#BACK_PRESSURED} if the timeout passed without room.
     * @throws IllegalArgumentException if the length is out of range, {@code timeout < 0} or the unit is null.
     * @throws IllegalStateException    if {@link #finish()} was called.
     * @throws io.barge.core.OutOfFramesException   if the kernel has no free frame for the buffer.
     * @throws io.barge.core.ChannelClosedException if the channel has been torn down, before or during the wait.
     */
    default int tryClaim(final int length, final Claim claim, final long timeout, final TimeUnit unit)
    {
        return Waits.claim(this, length, claim, timeout, unit);
    }

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

    /**
     * Forwards as {@link #forward(Message)} does, waiting at most {@code timeout} while back pressure lasts, as
     * {@link #tryClaim(int, Claim, long, TimeUnit)} waits.
     *
     * @param message a held message received by {@link #domain()}.
     * @param timeout longest wait; zero tries once.
     * @param unit    its unit.
     * @return {@link Status#OK} (the message has been consumed), or {@link Status#BACK_PRESSURED} if the timeout
     *         passed without room (the message is still held and unchanged).
     * @throws IllegalArgumentException if {@code timeout < 0} or the unit is null.
     * @throws io.barge.core.ChannelClosedException if the channel has been torn down, before or during the wait.
     */
    default int forward(final Message message, final long timeout, final TimeUnit unit)
    {
        return Waits.forward(this, message, timeout, unit);
    }

    /**
     * Ends the stream: the receiver gets every message committed before this call, then
     * {@link Status#END_OF_STREAM}. The end travels in the transport's own protocol, behind those messages, and is
     * never back pressured: it needs no room a message takes (at worst it waits, with a {@code BackoffIdleStrategy},
     * for a notification slot a lagging acknowledgement holds). Later claims and forwards throw
     * {@link IllegalStateException}. Idempotent.
     *
     * @throws IllegalStateException                if a claim is still active.
     * @throws io.barge.core.ChannelClosedException if the channel has been torn down.
     */
    void finish();

    /**
     * Registers a single-shot handler that a thread dispatching {@code waitset} runs once a back-pressured
     * {@link #tryClaim} may succeed (the receiver took or released messages), or the channel was closed. If there
     * is room already the handler becomes pending at once.
     *
     * @param waitset the waitset whose dispatch runs the handler.
     * @param handler the handler; it typically claims until back pressured and registers again.
     * @throws IllegalStateException if a registration is still outstanding.
     */
    void registerForSpace(Waitset waitset, Runnable handler);

    /**
     * Reports the receiver's answers ({@link Receiver#respond}, or {@link Status#OK} for a plain release) that have
     * arrived, each exactly once, in the order the receiver gave them, by the id of the message's claim
     * ({@link Claim#messageId()}).
     *
     * @param handler told of each answer.
     * @param limit   most answers to report, at least 1.
     * @return answers reported (0 if none has arrived).
     * @throws UnsupportedOperationException if the transport has no {@link Capability#RESPONSES} (see
     *                                       {@link Transport#capabilities()}).
     * @throws IllegalArgumentException      if {@code limit < 1} or the handler is null.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol.
     * @throws io.barge.core.ChannelClosedException     if the channel has been torn down.
     */
    default int pollResponses(final ResponseHandler handler, final int limit)
    {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " pollResponses: this transport has " +
            "no RESPONSES capability (see Transport.capabilities())");
    }
}
