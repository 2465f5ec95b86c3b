package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.QuiescentEnd;
import io.barge.core.transport.spi.WaitingReceive;
import org.agrona.DirectBuffer;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

import static io.barge.fbufs.AggregateDescriptor.MAX_INLINE_PIECES;

/**
 * The receiving end of an fbuf hop. A poll takes one notification (copying its words once), takes the kernel's
 * in-flight record (the references it now holds), and turns the untrusted description into validated pieces with an
 * {@link AggregateWalker}: the root's node graph (integrated) or the inline piece list. The message's pieces are
 * addresses in this domain's space, readable only (a write raises {@link io.barge.core.ProtectionFault}); in
 * volatile mode unreadable bytes read as zeros. Not thread safe.
 * <p>
 * It can hold {@code capacity} messages at once. When it polls in a loop of its own, a {@code BackoffIdleStrategy}
 * suits it over UMP; over LMP register it on its core's waitset ({@link #register}), which the kernel triggers on
 * delivery. The sender's end notification, checked against the count of messages taken, ends the stream.
 */
public final class FbufReceiver implements Receiver
{
    private static final int NO_TYPE = -1;

    private final FbufChannel channel;
    private final FbufRegion region;
    private final FbufMode mode;
    private final Domain domain;
    private final AddressSpace space;
    private final AggregateWalker walker;
    private final int maxMessageLength;
    private final RxState[] pool;
    private int free;
    private int held;
    // One notification, copied once out of the ring by the handler.
    private int type;
    private long root;
    private int pieceCount;
    private final int[] offsets = new int[MAX_INLINE_PIECES];
    private final int[] lengths = new int[MAX_INLINE_PIECES];
    private final NotifyHandler handler = this::onNotify;
    private Violation lastViolation = Violation.NONE;
    private final Message flyweight = new Message();
    private final WaitsetChannel readyChannel;
    private final WaitingReceive waiting = new WaitingReceive(this);
    private long taken;
    /** Aggregates built (3.3) and not yet added to the domain's counter. */
    private int uncountedAggregates;
    private long endCount;
    private volatile boolean endOfStream;
    // This end's thread and quiescence: a teardown on another thread defers its frees until this end is quiescent.
    private final QuiescentEnd end = new QuiescentEnd();

    FbufReceiver(final FbufChannel channel, final Domain domain)
    {
        this.channel = channel;
        this.region = channel.region;
        this.mode = channel.mode;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.walker = new AggregateWalker(region, space);
        this.maxMessageLength = channel.config.maxMessageLength();
        this.pool = new RxState[channel.config.capacity()];
        for (int i = 0; i < pool.length; i++)
        {
            pool[i] = new RxState(this);
        }
        this.free = pool.length;
        this.readyChannel = new WaitsetChannel("fbufs-ready " + domain);
    }

    @Override
    public Domain domain()
    {
        return domain;
    }

    @Override
    public Message newMessage()
    {
        return new Message();
    }

    FbufTransport transport()
    {
        return channel.transport;
    }

    /**
     * @return what the last received description broke, or {@link Violation#NONE}.
     */
    public Violation lastViolation()
    {
        return lastViolation;
    }

    void walkHook(final AggregateWalker.Hook hook)
    {
        walker.hook(hook);
    }

    @Override
    public int poll(final Message into)
    {
        if (!channel.admit(end))
        {
            throw channel.closedException("poll");
        }
        try
        {
            final int status = pollMessage(into);
            if (status != Status.OK)
            {
                publishCounts(); // nothing to take: the end idles, its counts go in now
            }
            return status;
        }
        catch (final RuntimeException ex)
        {
            final RuntimeException failure = channel.closedIfTorn(ex, "poll");
            quiescentIfClosed();
            throw failure;
        }
    }

    /** A call ends on a failure and touches nothing more: on a closed hop this end is quiescent from here. */
    private void quiescentIfClosed()
    {
        if (!channel.isOpenFlag())
        {
            end.quiescent();
        }
    }

    private int pollMessage(final Message into)
    {
        channel.checkOpen("poll");
        if (into.isHeld())
        {
            throw new BufferStateException("fbufs poll: message is still held: release it before polling into it " +
                "again");
        }
        if (endOfStream)
        {
            return Status.END_OF_STREAM;
        }
        if (free == 0)
        {
            return Status.BACK_PRESSURED;
        }
        type = NO_TYPE;
        if (channel.notify.receiver().poll(handler, 1) == 0)
        {
            return Status.EMPTY;
        }
        // A close of the notification channel during the poll (a domain's death: its own listener) may have left the
        // handler reading zeros through discarded views: the root counts only if the channel was still open after.
        VarHandle.loadLoadFence();
        if (!channel.notify.isOpen())
        {
            throw channel.closedException("poll");
        }
        if (type == AggregateDescriptor.END_MESSAGE)
        {
            return end();
        }
        final RxState rx = pool[--free];
        final int count = channel.inFlight.poll(rx.handles);
        if (count < 0)
        {
            pool[free++] = rx;
            channel.checkOpen("poll"); // a teardown took the record: not the sender's fault
            throw channel.violation(domain, "notification without a transfer: the sender bypassed the kernel");
        }
        rx.handleCount = count;
        rx.root = root;
        decode(rx);
        if (walker.outsideTransfer())
        {
            // Not delivered: the references just passed to this domain go back, then the channel is torn down.
            for (int i = 0; i < count; i++)
            {
                releaseQuietly(region, rx.handles[i]);
            }
            rx.handleCount = 0;
            pool[free++] = rx;
            if (channel.isTorn())
            {
                // A teardown reclaimed the transferred fbufs while they were being checked: not the sender's fault.
                throw new ChannelClosedException("fbufs channel to " + domain + " was torn down during poll");
            }
            throw channel.violation(domain, "a node or piece lies outside the fbufs transferred with the message");
        }
        Flyweights.begin(into, this, space, 0, rx, mode.isVolatile());
        channel.counters.received();
        final PieceList pieces = rx.pieces;
        for (int i = 0; i < pieces.count; i++)
        {
            Flyweights.addPiece(into, pieces.addresses[i], pieces.lengths[i]);
        }
        rx.message = into;
        held++;
        taken++;
        return Status.OK;
    }

    /** The end notification: valid only once every message it counts was taken, and none in flight. */
    private int end()
    {
        if (endCount != taken || channel.inFlight.size() != 0)
        {
            throw channel.violation(domain, "end of stream after " + endCount + " messages, but " + taken +
                " were taken and " + channel.inFlight.size() + " are in flight");
        }
        endOfStream = true;
        return Status.END_OF_STREAM;
    }

    @Override
    public int poll(final MessageHandler handler, final int limit)
    {
        return EndSupport.poll(this, flyweight, handler, limit);
    }

    @Override
    public boolean isEndOfStream()
    {
        return endOfStream;
    }

    @Override
    public void register(final Waitset waitset, final Runnable handler)
    {
        if (endOfStream || !channel.isOpen())
        {
            EndSupport.registerReady(readyChannel, waitset, handler);
        }
        else
        {
            channel.notify.receiver().registerReceive(waitset, handler);
            // Registered, then the open flag read again: closeHop clears the flag, then wakes (closed()). A close
            // between the check above and the registration found nothing to wake, and the notification channel
            // closes only with the quiescent release, which waits for this end: this end wakes itself.
            if (!channel.isOpen())
            {
                channel.notify.receiver().wakeReceive();
            }
        }
    }

    @Override
    public boolean deregister()
    {
        // Either may hold the registration: which one depends on the state register saw.
        return readyChannel.cancel() | channel.notify.receiver().cancelReceive();
    }

    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /** Teardown, from any thread: a registered handler (ready, or waiting for a notification) runs and learns of it. */
    void closed()
    {
        readyChannel.trigger();
        channel.notify.receiver().wakeReceive();
    }

    private void decode(final RxState rx)
    {
        final boolean zeroOnFault = mode.isVolatile();
        walker.transferred(rx.handles, rx.handleCount);
        if (type == AggregateDescriptor.ROOT_MESSAGE && mode.integrated())
        {
            walker.walk(root, maxMessageLength, zeroOnFault, rx.pieces);
            countAggregate(); // 3.3: the receiver builds its aggregate from the DAG
        }
        else if (type == AggregateDescriptor.PIECES_MESSAGE && !mode.integrated())
        {
            walker.pieces(offsets, lengths, pieceCount, maxMessageLength, zeroOnFault, rx.pieces);
            countAggregate(); // 3.3: the receiver builds its aggregate from the list
        }
        else
        {
            walker.pieces(offsets, lengths, -1, maxMessageLength, zeroOnFault, rx.pieces);
        }
        lastViolation = walker.violation();
    }

    private void countAggregate()
    {
        if (++uncountedAggregates >= FbufSender.COUNT_BATCH)
        {
            publishCounts();
        }
    }

    /**
     * Adds the aggregates built since the last call to the domain's {@code AGGREGATE_OPS}: in batches, whenever a
     * poll finds nothing to take, and at teardown, as the sender does ({@link FbufSender#publishCounts()}).
     */
    void publishCounts()
    {
        final int n = uncountedAggregates;
        if (n > 0)
        {
            uncountedAggregates = 0;
            domain.count(CounterType.AGGREGATE_OPS, n);
        }
    }

    private void onNotify(final int messageType, final DirectBuffer buffer, final int offset, final int length)
    {
        type = messageType;
        if (messageType == AggregateDescriptor.ROOT_MESSAGE && length >= AggregateDescriptor.ROOT_MESSAGE_LENGTH)
        {
            root = buffer.getLong(offset + AggregateDescriptor.ROOT_ADDRESS_OFFSET);
        }
        else if (messageType == AggregateDescriptor.PIECES_MESSAGE && length >= AggregateDescriptor.PIECES_OFFSET)
        {
            final int count = buffer.getInt(offset + AggregateDescriptor.PIECE_COUNT_OFFSET);
            pieceCount = count >= 0 && count <= MAX_INLINE_PIECES &&
                AggregateDescriptor.piecesMessageLength(count) <= length ? count : -1;
            for (int i = 0; i < Math.max(0, pieceCount); i++)
            {
                offsets[i] = buffer.getInt(offset + AggregateDescriptor.pieceOffsetOffset(i));
                lengths[i] = buffer.getInt(offset + AggregateDescriptor.pieceLengthOffset(i));
            }
        }
        else if (messageType == AggregateDescriptor.END_MESSAGE && length >= AggregateDescriptor.END_MESSAGE_LENGTH)
        {
            endCount = buffer.getLong(offset + AggregateDescriptor.END_COUNT_OFFSET);
        }
        else
        {
            type = NO_TYPE;
        }
    }

    @Override
    public void release(final Message message)
    {
        end.enter();
        if (!channel.isOpenFlag())
        {
            // Closed: the teardown gives the references back. The flyweight ends here, before this end is quiescent:
            // until then the release cannot run on another thread, so nothing races this end's state.
            endHeldClosed(message);
            end.quiescent();
            return;
        }
        try
        {
            releaseMessage(message);
        }
        catch (final RuntimeException ex)
        {
            if (!channel.isTorn())
            {
                throw ex;
            }
            // A teardown that raced with this release gives the references back itself.
            quiescentIfClosed();
        }
    }

    /**
     * @return this end's record for the hop's deferred teardown.
     */
    QuiescentEnd quiescentEnd()
    {
        return end;
    }

    private void releaseMessage(final Message message)
    {
        if (!message.isHeld())
        {
            if (!channel.isOpen())
            {
                return; // the teardown already gave its references back and ended it
            }
            throw new BufferStateException("fbufs release: message released twice (or never received)");
        }
        final RxState rx = checkOwn(message);
        Flyweights.end(message);
        if (rx.message == message)
        {
            for (int i = 0; i < rx.handleCount; i++)
            {
                releaseQuietly(region, rx.handles[i]);
            }
            recycle(rx);
        }
    }

    /**
     * Gives a message up after a sender moved its references on to the next hop.
     */
    void consumeMoved(final Message message, final RxState rx)
    {
        Flyweights.end(message);
        recycle(rx);
    }

    private void recycle(final RxState rx)
    {
        rx.message = null;
        rx.handleCount = 0;
        pool[free++] = rx;
        held--;
        channel.inFlight.released();
    }

    private RxState checkOwn(final Message message)
    {
        final Object attachment = Flyweights.attachment(message);
        if (!(attachment instanceof RxState) || ((RxState)attachment).owner != this)
        {
            throw new IllegalArgumentException("fbufs release: message was not received by this receiver");
        }
        return (RxState)attachment;
    }

    /**
     * Channel teardown: drops the references of every held message and ends its flyweight, so that every accessor of
     * a message whose fbufs are gone raises {@link BufferStateException} instead of reading zeros or someone else's
     * bytes; a later release of it does nothing.
     */
    void releaseAll()
    {
        publishCounts(); // teardown, once the ends are quiet

        for (final RxState rx : pool)
        {
            final Message message = rx.message;
            if (message != null)
            {
                rx.message = null;
                endQuietly(message, rx);
                for (int i = 0; i < rx.handleCount; i++)
                {
                    releaseQuietly(region, rx.handles[i]);
                }
                rx.handleCount = 0;
            }
        }
    }

    /** A release on a closed hop: ends the flyweight if it is one this receiver delivered and still holds. */
    private void endHeldClosed(final Message message)
    {
        if (message.isHeld() && Flyweights.attachment(message) instanceof RxState &&
            ((RxState)Flyweights.attachment(message)).owner == this)
        {
            Flyweights.end(message);
        }
    }

    private static void endQuietly(final Message message, final RxState rx)
    {
        try
        {
            if (message.isHeld() && Flyweights.attachment(message) == rx)
            {
                Flyweights.end(message);
            }
        }
        catch (final BufferStateException ex)
        {
            // The receiving thread released it at the same moment: it is ended either way.
        }
    }

    static void releaseQuietly(final FbufRegion region, final long handle)
    {
        if (region.isLive(handle))
        {
            try
            {
                region.release(handle);
            }
            catch (final BufferStateException ex)
            {
                // Raced with a path teardown that reclaimed it: nothing left to drop.
            }
        }
    }

    /** Receiver-local state of one held message; never leaves this domain. */
    static final class RxState
    {
        final FbufReceiver owner;
        final long[] handles = new long[InFlightRing.MAX_HANDLES];
        final PieceList pieces = new PieceList();
        int handleCount;
        long root;
        Message message;

        RxState(final FbufReceiver owner)
        {
            this.owner = owner;
        }
    }

    @Override
    public String toString()
    {
        return "FbufReceiver{" + domain + "}";
    }
}
