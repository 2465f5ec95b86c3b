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
import io.barge.core.transport.spi.Deferral;
import io.barge.core.transport.spi.QuiescentEnd;

/**
 * One hop of an fbuf I/O path: a notification channel (UMP or LMP) for roots or piece lists, and the kernel's
 * in-flight record of the references passing over it. The fbufs themselves never move: they are already at the same
 * address in every domain of the path.
 * <p>
 * Teardown ({@link #close}, a protocol violation, or the death of a domain of the path) is a quiescent-state
 * deferral ({@link Deferral}), so no end's call pays a fence or a CAS for it: every call of an end records its
 * thread if it changed and then reads the open flag (volatile); a call that sees it cleared touches nothing of the
 * hop and makes its end quiescent ({@link QuiescentEnd}). The teardown clears the flag, wakes the registrations, and
 * the release (held messages and claims ended, their fbufs given back, the in-flight records drained, the
 * notification channel's frames freed) runs once both ends are quiescent: at once if neither runs on another live
 * thread, else at that end's next call or when the kernel next counts its frames after that end's thread ended.
 * The region pins every fbuf's frames ({@link FbufRegion}), so a domain's death orphans what an end may still reach
 * instead of freeing it; the path's fbufs go back to the kernel once every hop of it is released
 * ({@link FbufTransport}).
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
    private final Deferral deferral;

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
        this.deferral = new Deferral(transport.kernel(), this::release, sender.quiescentEnd(),
            receiver.quiescentEnd());
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
            throw closedException(operation);
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
            open = false; // volatile, then the teardown reads the ends' threads: QuiescentEnd's Dekker pair
        }
        // Woken now, from any thread: a waiting end's next call sees the close. The notification channel itself closes
        // with the release, quiescent: closed now, it would discard the views a receiver may be reading a root through.
        receiver.closed();
        sender.closed();
        deferral.teardown();
    }

    /**
     * An end's call starts here: records the calling thread, then reads the open flag ({@link QuiescentEnd}, step 1).
     *
     * @param end the calling end's record, made quiescent if the hop is closed (the caller then touches nothing).
     * @return whether the hop is open.
     */
    boolean admit(final QuiescentEnd end)
    {
        end.enter();
        if (open)
        {
            return true;
        }
        end.quiescent();
        return false;
    }

    /**
     * @return the open flag alone (volatile), for an end that has recorded its thread ({@link QuiescentEnd#enter})
     *         and does something of its own before it becomes quiescent on a closed hop.
     */
    boolean isOpenFlag()
    {
        return open;
    }

    /**
     * @param operation the call.
     * @return what a call on a closed hop throws.
     */
    ChannelClosedException closedException(final String operation)
    {
        return new ChannelClosedException("fbufs " + operation + ": channel closed or broken (fbufs channel " +
            sender.domain() + " -> " + receiver.domain() + ")");
    }

    /** The deferred half of the teardown: both ends are quiescent, so nothing touches what it frees. */
    private void release()
    {
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
        notify.closeQuiescent();
        counters.close(); // the ends are quiescent: no late count lands in a reused slot
        pathSet.hopReleased();
    }

    /**
     * @return whether the hop's release has run (both ends quiescent since the teardown), for tests.
     */
    boolean isReleased()
    {
        return deferral.isReleased();
    }

    @Override
    public String toString()
    {
        return "FbufChannel{" + sender.domain() + " -> " + receiver.domain() + ", " + mode.shortName() + "}";
    }
}
