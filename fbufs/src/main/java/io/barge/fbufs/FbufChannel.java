package io.barge.fbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.ChannelCounters;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.Notifications;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * One hop of an fbuf I/O path: a notification channel (UMP or LMP) for roots or piece lists, and the kernel's
 * in-flight record of the references passing over it. The fbufs themselves never move: they are already at the same
 * address in every domain of the path.
 */
public final class FbufChannel implements Channel
{
    final FbufTransport transport;
    final FbufTransport.PathSet pathSet;
    final IoPath path;
    final FbufRegion region;
    final FbufMode mode;
    final ChannelConfig config;
    final InFlightRing inFlight;
    final NotifyChannel notify;
    private final FbufSender sender;
    private final FbufReceiver receiver;
    /** Messages and bytes through this hop, in the kernel's counters (barge stat shows them). */
    final ChannelCounters counters;
    private volatile boolean open = true;

    FbufChannel(final FbufTransport transport, final FbufTransport.PathSet pathSet, final IoPath path,
        final Domain from, final Domain to, final ChannelConfig config)
    {
        this.transport = transport;
        this.pathSet = pathSet;
        this.path = path;
        this.region = path.region();
        this.mode = transport.mode();
        this.config = config;
        this.inFlight = new InFlightRing(config.capacity());
        // Twice the in-flight capacity: with a record free, the ring always has a slot free despite lazy acks.
        final int slots = config.notification() == ChannelConfig.Notification.LMP ?
            Math.min(2 * config.capacity(), 1024) : 2 * config.capacity();
        this.notify = Notifications.open(transport.kernel(), from, to, config.notification(), slots);
        this.counters = transport.kernel().counters().newChannel("fbufs " + from.name() + " -> " + to.name(), from,
            to);
        this.sender = new FbufSender(this, from, to);
        this.receiver = new FbufReceiver(this, to);
    }

    @Override
    public FbufSender sender()
    {
        return sender;
    }

    @Override
    public FbufReceiver receiver()
    {
        return receiver;
    }

    /**
     * @return the I/O path the sender allocates on (this hop's domain onwards).
     */
    public IoPath path()
    {
        return path;
    }

    /**
     * @return the fbuf region.
     */
    public FbufRegion region()
    {
        return region;
    }

    @Override
    public boolean isOpen()
    {
        return open && notify.isOpen();
    }

    void checkOpen(final String operation)
    {
        if (!isOpen())
        {
            throw new ChannelClosedException("fbufs " + operation + ": channel closed or broken (fbufs channel " +
                sender.domain() + " -> " + receiver.domain() + ")");
        }
    }

    /**
     * Whether the hop is closed or being torn down: closed, or a domain of its path destroyed (the transport's
     * listener is about to close it).
     */
    boolean isTorn()
    {
        return !isOpen() || pathSet.touchesDeadDomain();
    }

    /**
     * What an end throws when an operation failed: a teardown that raced with it becomes a
     * {@link ChannelClosedException} (with the failure as its cause), whatever the operation tripped over; a
     * protocol violation, and any failure on a live hop, stays as it is.
     */
    RuntimeException closedIfTorn(final RuntimeException failure, final String operation)
    {
        if (failure instanceof ChannelClosedException || failure instanceof ProtocolViolationException || !isTorn())
        {
            return failure;
        }
        final ChannelClosedException closed = new ChannelClosedException("fbufs " + operation +
            ": channel closed (torn down during the call) (fbufs channel " + sender.domain() + " -> " +
            receiver.domain() + ")");
        closed.initCause(failure);
        return closed;
    }

    ProtocolViolationException violation(final Domain detector, final String what)
    {
        detector.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        final ProtocolViolationException ex = new ProtocolViolationException(
            "fbufs channel " + sender.domain() + " -> " + receiver.domain() + ": " + what);
        closeHop();
        return ex;
    }

    @Override
    public void close()
    {
        closeHop();
        pathSet.hopClosed();
    }

    void closeHop()
    {
        synchronized (this)
        {
            if (!open)
            {
                return;
            }
            open = false;
        }
        awaitEndsQuiet();
        receiver.releaseAll();
        sender.releaseAll();
        final long[] handles = new long[InFlightRing.MAX_HANDLES];
        int count;
        while ((count = inFlight.poll(handles)) >= 0)
        {
            for (int i = 0; i < count; i++)
            {
                FbufReceiver.releaseQuietly(region, handles[i]);
            }
        }
        // awaitEndsQuiet waited out every other thread inside an end, and each later call sees the channel closed:
        // nothing calls the notification ends any more, so all their frames return now. Like close, it wakes a
        // registered receive handler (LMP) or lets its poller see the close (UMP).
        notify.closeQuiescent();
        counters.close(); // the ends are quiet (above): no late count lands in a reused slot
        receiver.closed();
        sender.closed();
    }

    /** Waits until no end is inside an operation on another thread; each such operation ends once it sees closed. */
    private void awaitEndsQuiet()
    {
        final Thread current = Thread.currentThread();
        final IdleStrategy idle = new BackoffIdleStrategy();
        Thread inside;
        while (((inside = sender.activeThread()) != null && inside != current) ||
            ((inside = receiver.activeThread()) != null && inside != current))
        {
            idle.idle();
        }
    }

    @Override
    public String toString()
    {
        return "FbufChannel{" + sender.domain() + " -> " + receiver.domain() + ", " + mode.shortName() + "}";
    }
}
