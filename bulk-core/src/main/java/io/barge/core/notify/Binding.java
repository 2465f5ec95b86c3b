package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One end of a Flounder-style binding (seed 003, chapter 3): a pair of one-way notification channels (UMP or LMP),
 * one per direction, with the binding-object semantics:
 * <ul>
 *   <li>at most one outgoing message is buffered: {@link #send} with the buffer free takes the message and pushes it
 *       into the channel at once if there is room; a second send while it is still buffered returns
 *       {@link #TX_BUSY};</li>
 *   <li>a per-message continuation runs once the message has gone into the channel (at once on the sending thread,
 *       or later on the binding's waitset when the channel was full);</li>
 *   <li>{@link #canSend()}, {@link #registerSend(Waitset, Runnable)} (one registration at a time);</li>
 *   <li>receive handlers, one per message type (the rx vtable); a message with no handler goes to the error
 *       handler;</li>
 *   <li>an error handler for asynchronous errors: protocol violations and the peer's teardown;</li>
 *   <li>{@link #control(Control)} (teardown, synchronous on/off) and {@link #changeWaitset(Waitset)}.</li>
 * </ul>
 * Create bindings with {@link NameService#bind}. Not thread safe: one thread acts for the domain, normally the one
 * that dispatches the binding's waitset (with LMP's synchronous optimisation the peer's sending thread runs this
 * binding's receive handlers, as the directed yield does).
 */
public final class Binding
{
    /** {@link #send} result: the message was taken. */
    public static final int OK = Status.OK;
    /** {@link #send} result: a message is still buffered; retry from a continuation or {@link #registerSend}. */
    public static final int TX_BUSY = -10;

    /** Most messages one receive event delivers before the handler re-registers. */
    static final int RX_BATCH = 64;

    /** Control operations (Flounder's {@code idc_control_t}). */
    public enum Control
    {
        /** Tear the connection down: both channels close, their frames are freed. */
        TEARDOWN,
        /** Enable the synchronous optimisation (LMP only). */
        SET_SYNC,
        /** Disable the synchronous optimisation (LMP only). */
        CLEAR_SYNC
    }

    private final String name;
    private final Domain domain;
    private final NotifyChannel txChannel;
    private final NotifyChannel rxChannel;
    private final NotifySender tx;
    private final NotifyReceiver rx;
    private final NotifyHandler[] rxVtable = new NotifyHandler[NotifySender.MAX_TYPE + 1];
    private final NotifyHandler rxDispatcher = this::onReceive;
    private final Runnable rxEvent = this::onReceiveEvent;
    private final WaitsetChannel txRetryChannel;
    private final WaitsetChannel sendChannel;
    private final Runnable txRetryEvent = this::onPushedLater;
    private final BooleanSupplier txRetryPoller = this::pollPush;
    private final UnsafeBuffer txBuffer = new UnsafeBuffer(new byte[NotifySender.MAX_PAYLOAD_LENGTH]);
    private Waitset waitset;
    private Consumer<Throwable> errorHandler = Binding::defaultErrorHandler;
    private boolean txBuffered;
    private int txType;
    private int txLength;
    private Runnable txContinuation;
    private Runnable pushedContinuation;
    private RuntimeException asyncFailure;
    private boolean tornDown;
    private boolean errorReported;
    private boolean receiving;

    Binding(final String name, final Domain domain, final NotifyChannel txChannel, final NotifyChannel rxChannel,
        final Waitset waitset)
    {
        this.name = name;
        this.domain = domain;
        this.txChannel = txChannel;
        this.rxChannel = rxChannel;
        this.tx = txChannel.sender();
        this.rx = rxChannel.receiver();
        this.waitset = waitset;
        this.txRetryChannel = new WaitsetChannel(name + "-tx-retry");
        this.sendChannel = new WaitsetChannel(name + "-register-send");
    }

    /** Starts receiving: registers the receive event on the binding's waitset. */
    void start()
    {
        if (!receiving && !tornDown)
        {
            receiving = true;
            rx.registerReceive(waitset, rxEvent);
        }
    }

    /**
     * @return the domain this end acts for.
     */
    public Domain domain()
    {
        return domain;
    }

    /**
     * @return the waitset used for receive handlers, delayed sends and the binding's internal events.
     */
    public Waitset waitset()
    {
        return waitset;
    }

    /**
     * @return whether the binding has not been torn down and both channels are open.
     */
    public boolean isOpen()
    {
        return !tornDown && txChannel.isOpen() && rxChannel.isOpen();
    }

    // ---- sending -----------------------------------------------------------------------------------------------

    /**
     * Sends a message, or buffers it if the channel is full.
     *
     * @param type         message type, 0..127.
     * @param src          payload source.
     * @param offset       first payload byte.
     * @param length       payload bytes, 0..56.
     * @param continuation run once the message has gone into the channel, or null.
     * @return {@link #OK} if the binding took the message, {@link #TX_BUSY} if one is still buffered.
     * @throws ChannelClosedException     if the binding is torn down.
     * @throws ProtocolViolationException if the peer broke the protocol (the binding is then torn down and the
     *                                    error handler told).
     */
    public int send(final int type, final DirectBuffer src, final int offset, final int length,
        final Runnable continuation)
    {
        checkNotTornDown("send");
        UmpSender.checkTypeAndLength(type, length);
        if (txBuffered)
        {
            return TX_BUSY;
        }
        txBuffer.putBytes(0, src, offset, length);
        txType = type;
        txLength = length;
        txContinuation = continuation;
        txBuffered = true;
        final boolean pushed;
        try
        {
            pushed = push();
        }
        catch (final ProtocolViolationException | ChannelClosedException ex)
        {
            fail(ex);
            throw ex;
        }
        if (pushed)
        {
            // The parameter, not a field: with LMP's synchronous optimisation the commit may have run handlers that
            // sent (and completed) further messages on this binding before we get here.
            if (continuation != null)
            {
                continuation.run();
            }
            sendChannel.trigger();
        }
        else
        {
            armRetry();
        }
        return OK;
    }

    /**
     * @param type   message type.
     * @param src    payload.
     * @param offset first byte.
     * @param length bytes.
     * @return {@link #OK} or {@link #TX_BUSY}.
     */
    public int send(final int type, final DirectBuffer src, final int offset, final int length)
    {
        return send(type, src, offset, length, null);
    }

    /**
     * @return whether a send now would be taken (no message buffered, not torn down).
     */
    public boolean canSend()
    {
        return !tornDown && !txBuffered;
    }

    /**
     * Arranges for {@code continuation} to run on {@code waitset} when the binding can take another message (at once
     * if it can now).
     *
     * @param waitset      where the continuation runs.
     * @param continuation run once.
     * @throws IllegalStateException if a continuation is already registered and has not run yet.
     */
    public void registerSend(final Waitset waitset, final Runnable continuation)
    {
        checkNotTornDown("registerSend");
        if (sendChannel.state() != WaitsetChannel.State.UNREGISTERED)
        {
            throw new IllegalStateException("binding " + name + " already has a send continuation registered");
        }
        sendChannel.register(waitset, continuation);
        if (canSend())
        {
            sendChannel.trigger();
        }
    }

    /**
     * Moves the buffered message into the channel if it has room. The buffer is freed before the commit, because an
     * LMP commit in synchronous mode runs the receiver (and perhaps its reply's handler, which may send again here).
     */
    private boolean push()
    {
        final int at = tx.tryClaim();
        if (at < 0)
        {
            return false;
        }
        tx.buffer().putBytes(at, txBuffer, 0, txLength);
        txContinuation = null;
        txBuffered = false;
        tx.commit(txType, txLength);
        return true;
    }

    private void armRetry()
    {
        // Already registered (e.g. a send from inside a handler run by the retry's own commit): it will re-arm.
        if (txRetryChannel.state() == WaitsetChannel.State.UNREGISTERED)
        {
            txRetryChannel.registerPolled(waitset, txRetryEvent, txRetryPoller);
        }
    }

    /** Poller of the retry channel: pushes the buffered message if the channel has room now. */
    private boolean pollPush()
    {
        try
        {
            if (!txBuffered)
            {
                return true;
            }
            final Runnable continuation = txContinuation;
            if (push())
            {
                pushedContinuation = continuation;
                return true;
            }
            return false;
        }
        catch (final RuntimeException ex)
        {
            asyncFailure = ex;
            return true;
        }
    }

    /** Handler of the retry channel: the delayed message has gone (or the push failed). */
    private void onPushedLater()
    {
        final RuntimeException failure = asyncFailure;
        if (failure != null)
        {
            asyncFailure = null;
            fail(failure);
            return;
        }
        final Runnable continuation = pushedContinuation;
        pushedContinuation = null;
        if (continuation != null)
        {
            continuation.run();
        }
        if (txBuffered && !tornDown)
        {
            armRetry();
        }
        else
        {
            sendChannel.trigger();
        }
    }

    // ---- receiving ---------------------------------------------------------------------------------------------

    /**
     * Installs the handler for one message type (an rx vtable entry).
     *
     * @param type    message type, 0..127.
     * @param handler the handler, or null to remove it.
     */
    public void receiveHandler(final int type, final NotifyHandler handler)
    {
        if (type < 0 || type > NotifySender.MAX_TYPE)
        {
            throw new IllegalArgumentException("type=" + type + " must be in [0, " + NotifySender.MAX_TYPE + "]");
        }
        rxVtable[type] = handler;
    }

    /**
     * @param handler told of asynchronous errors (protocol violations, a message with no handler, the peer's
     *                teardown); the default records nothing and rethrows nothing.
     */
    public void errorHandler(final Consumer<Throwable> handler)
    {
        this.errorHandler = handler == null ? Binding::defaultErrorHandler : handler;
    }

    private void onReceiveEvent()
    {
        try
        {
            rx.poll(rxDispatcher, RX_BATCH);
        }
        catch (final ProtocolViolationException | ChannelClosedException ex)
        {
            fail(ex);
            return;
        }
        if (!tornDown && rxChannel.isOpen())
        {
            rx.registerReceive(waitset, rxEvent);
        }
    }

    private void onReceive(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        final NotifyHandler handler = rxVtable[type];
        if (handler == null)
        {
            errorHandler.accept(new ProtocolViolationException("binding " + name + " has no receive handler for " +
                "message type " + type));
            return;
        }
        handler.onNotify(type, buffer, offset, length);
    }

    // ---- control -----------------------------------------------------------------------------------------------

    /**
     * Runs a control operation.
     *
     * @param control the operation.
     * @return whether it applied (SET_SYNC/CLEAR_SYNC apply to LMP only).
     */
    public boolean control(final Control control)
    {
        switch (control)
        {
            case TEARDOWN:
                teardown();
                return true;
            case SET_SYNC:
            case CLEAR_SYNC:
                if (txChannel instanceof LmpChannel)
                {
                    ((LmpChannel)txChannel).synchronous(control == Control.SET_SYNC);
                    return true;
                }
                return false;
            default:
                throw new IllegalArgumentException("unknown control " + control);
        }
    }

    /**
     * Moves the receive event and a pending delayed send to another waitset.
     *
     * @param newWaitset the waitset to use from now on.
     */
    public void changeWaitset(final Waitset newWaitset)
    {
        if (newWaitset == null)
        {
            throw new IllegalArgumentException("waitset must not be null");
        }
        this.waitset = newWaitset;
        final WaitsetChannel rxEventChannel = receiveChannelOf(rx);
        if (rxEventChannel.deregister())
        {
            rx.registerReceive(newWaitset, rxEvent);
        }
        if (txRetryChannel.deregister())
        {
            txRetryChannel.registerPolled(newWaitset, txRetryEvent, txRetryPoller);
        }
    }

    private void teardown()
    {
        if (tornDown)
        {
            return;
        }
        tornDown = true;
        receiveChannelOf(rx).deregister();
        txRetryChannel.deregister();
        sendChannel.deregister();
        txBuffered = false;
        txContinuation = null;
        txChannel.close();
        rxChannel.close();
    }

    private void fail(final Throwable error)
    {
        teardown();
        if (!errorReported)
        {
            errorReported = true;
            errorHandler.accept(error);
        }
    }

    private void checkNotTornDown(final String what)
    {
        if (tornDown || !txChannel.isOpen())
        {
            throw new ChannelClosedException(what + " on binding " + name + ": it has been torn down");
        }
    }

    private static WaitsetChannel receiveChannelOf(final NotifyReceiver receiver)
    {
        if (receiver instanceof UmpReceiver)
        {
            return ((UmpReceiver)receiver).receiveChannel();
        }
        return ((LmpEndpoint)receiver).receiveChannel();
    }

    private static void defaultErrorHandler(final Throwable error)
    {
        // Barrelfish's default prints and kills the dispatcher; here the binding is already torn down.
    }

    @Override
    public String toString()
    {
        return "Binding[" + name + ", " + (tornDown ? "torn down" : "open") + "]";
    }
}
