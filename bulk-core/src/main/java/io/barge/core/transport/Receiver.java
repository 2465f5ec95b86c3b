package io.barge.core.transport;

import io.barge.core.Domain;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.spi.WaitingReceive;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The receiving end of a {@link Channel}. Not thread safe: one thread acts for the receiving domain (only
 * {@link Channel#close()} may come from another thread).
 * <p>
 * <b>Capacity.</b> The receiver may hold up to {@link ChannelConfig#capacity()} messages at once: the sender can
 * never have more committed and not yet released (see {@link ChannelConfig#capacity()}), so every committed message
 * can be polled while the others are still held.
 * <p>
 * <b>End of stream.</b> After the sender's {@link Sender#finish()}, polls deliver every message committed before it
 * and then return {@link Status#END_OF_STREAM}, for good. The graceful end of a channel is that, then
 * {@link Channel#close()}.
 * <p>
 * <b>Waiting.</b> A receiver that polls in a loop of its own uses an Agrona {@link IdleStrategy} between empty
 * polls; each transport's receiver says which one suits it. One thread serving many channels registers each
 * receiver on one {@link Waitset} ({@link #register}) and dispatches the waitset instead. A thread that serves one
 * receiver and would rather sleep than spin calls {@link #receive(Message, long, TimeUnit)}, which parks on a
 * registration of its own.
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
     * @return {@link Status#OK} if a message was delivered, {@link Status#EMPTY} if none is waiting,
     *         {@link Status#END_OF_STREAM} if the sender finished and everything it sent has been delivered, or
     *         {@link Status#BACK_PRESSURED} if the receiver holds as many messages as it may.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol; the channel is then broken.
     * @throws io.barge.core.ChannelClosedException     if the channel has been torn down.
     */
    int poll(Message into);

    /**
     * Delivers up to {@code limit} waiting messages to {@code handler}, one at a time, each into this receiver's
     * own reused flyweight (no garbage per call). A message is held only while {@link MessageHandler#onMessage}
     * runs; the receiver releases it afterwards unless the handler released or forwarded it. If the handler throws,
     * the message is released and the exception propagates.
     *
     * @param handler told of each message.
     * @param limit   most messages to deliver, at least 1.
     * @return messages delivered (0 if none was waiting), or {@link Status#END_OF_STREAM} if the stream has ended
     *         and this call delivered nothing.
     * @throws IllegalArgumentException if {@code limit < 1} or the handler is null.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol; the channel is then broken.
     * @throws io.barge.core.ChannelClosedException     if the channel has been torn down.
     */
    int poll(MessageHandler handler, int limit);

    /**
     * @return whether the sender finished and every message it committed before has been delivered.
     */
    boolean isEndOfStream();

    /**
     * Registers a single-shot handler (Barrelfish style): a thread dispatching {@code waitset} runs it once a message
     * or the end of stream may be available, or the channel was closed (a poll then says which). If one already is,
     * the handler becomes pending at once, so no event is lost between a handler's last poll and its
     * re-registration. The handler typically polls until {@link Status#EMPTY} and registers again. Transports
     * whose notification delivers a trigger (LMP) register an idle channel it triggers; those whose notification
     * is polled (UMP) register a polled channel the waitset peeks at.
     *
     * @param waitset the waitset whose dispatch runs the handler.
     * @param handler the handler.
     * @throws IllegalStateException if a registration is still outstanding.
     */
    void register(Waitset waitset, Runnable handler);

    /**
     * Cancels the registration {@link #register} made, if its handler has not been delivered yet: the handler will
     * not run (unless a dispatcher already took it) and {@link #register} may be called again at once, on any
     * waitset. Safe to call with nothing registered.
     *
     * @return whether a registration was outstanding.
     */
    boolean deregister();

    /**
     * Waits for the next message at most {@code timeout}, the thread parked rather than spinning: polls once and,
     * if nothing is there, registers on a waitset private to this receiver ({@link #register}) and parks until the
     * registration fires, then polls again. A notification that triggers (LMP) wakes the thread at once; one that
     * is polled (UMP) is looked at after parks of at most {@link Waitset#MAX_POLL_PARK_NS}. While the receiver holds
     * as many messages as it may it polls after parks of at most {@link WaitingReceive#BACK_PRESSURE_PARK_NS}.
     * <p>
     * A receive that times out cancels its registration ({@link #deregister}): none is left behind and
     * {@link #register} may follow. A {@link Channel#close()} from another thread wakes a blocked receive, which
     * then throws {@link io.barge.core.ChannelClosedException}. The transports' receivers allocate nothing per
     * call; this default, for other implementations, makes a {@link WaitingReceive} per call (an implementation
     * keeps one and delegates to it instead).
     *
     * @param into    a flyweight not currently held.
     * @param timeout longest wait; zero polls once.
     * @param unit    its unit.
     * @return {@link Status#OK}, {@link Status#END_OF_STREAM}, or {@link Status#EMPTY} if the timeout passed.
     * @throws IllegalArgumentException if {@code timeout < 0} or the unit is null.
     * @throws IllegalStateException    if a registration made with {@link #register} is outstanding.
     * @throws io.barge.core.ProtocolViolationException if the peer broke the protocol.
     * @throws io.barge.core.ChannelClosedException     if the channel has been torn down, before or during the wait.
     */
    default int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return new WaitingReceive(this).receive(into, timeout, unit);
    }

    /**
     * Passes every message on to {@code out}, untouched, until the end of the stream, then finishes {@code out}: the
     * whole work of a middle domain of a path that forwards, as {@code InputStream.transferTo} is a copy loop's.
     * Each message goes with {@link Sender#forward(Message)}, so a transport that can hand memory on without
     * copying does (see {@link Capability#ZERO_COPY_FORWARD}). Waits parked as long as it takes, for messages
     * ({@link #receive(Message, long, TimeUnit)}) and for room ({@link Sender#forward(Message, long, TimeUnit)}):
     * stop it by closing either channel, which ends it with {@link io.barge.core.ChannelClosedException}. If a
     * forward throws, the message it was passing is released first. Uses one message flyweight of this receiver,
     * made once per call.
     *
     * @param out a sender of this receiver's domain, on the next hop.
     * @return messages passed on.
     * @throws IllegalArgumentException if {@code out} is null or sends from another domain.
     * @throws IllegalStateException    if a registration made with {@link #register} is outstanding, or
     *                                  {@code out} was finished already.
     * @throws io.barge.core.ProtocolViolationException if a peer broke the protocol.
     * @throws io.barge.core.ChannelClosedException     if either channel has been torn down.
     */
    default long transferTo(final Sender out)
    {
        return Waits.transferTo(this, out);
    }

    /**
     * Gives a message back: its memory returns to whoever manages it.
     *
     * @param message a held message from this receiver.
     * @throws io.barge.core.BufferStateException if the message is not held (released twice).
     */
    void release(Message message);

    /**
     * Answers a message and releases it: the sender's {@link Sender#pollResponses} reports the message's id with
     * {@code status}. On a transport with {@link Capability#RESPONSES} a plain {@link #release} answers
     * {@link Status#OK}; each message is answered exactly once.
     *
     * @param message a held message from this receiver.
     * @param status  {@link Status#OK} or {@link Status#ERROR}.
     * @throws UnsupportedOperationException if the transport has no {@link Capability#RESPONSES} (see
     *                                       {@link Transport#capabilities()}); nothing changes then.
     * @throws IllegalArgumentException      if the status is neither; the message stays held.
     * @throws io.barge.core.BufferStateException if the message is not held.
     */
    default void respond(final Message message, final int status)
    {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " respond: this transport has no " +
            "RESPONSES capability (see Transport.capabilities()); release the message instead");
    }
}
