package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.ChannelCounters;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.spi.Deferral;
import io.barge.grant.EventChannels;
import io.barge.grant.GrantTable;
import io.barge.grant.Hypervisor;
import io.barge.grant.SharedRingDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What both directions of a {@code xen} channel share: a front end (the domain that grants: its ring, its buffers'
 * pages) and a back end (the domain that maps or copies them), the ring's geometry, an event channel each way, the
 * channel's state and its teardown.
 * <p>
 * Teardown, by {@link #close} from any thread or by either domain's death (the kernel's {@link DomainListener},
 * after the hypervisor's and the event channels' own listeners have dropped the dead domain's mappings and ports),
 * is quiescent-state deferral ({@link Deferral}); it never waits for an end:
 * <ol>
 *   <li>the state becomes CLOSED (volatile); every later call fails with {@link ChannelClosedException}, and a call
 *       that sees it touches nothing shared after ({@link XenEnd});</li>
 *   <li>once both ends are quiescent (at once when neither runs on another live thread; otherwise at that end's
 *       next call, when its thread ends, or at the kernel's next count or shortfall of frames), what the channel
 *       acquired is undone in reverse: the back end unmaps what it mapped and frees its private pages, then the
 *       front end ends every grant (all idle now) and frees its pages; work on behalf of a dead domain is skipped,
 *       as the hypervisor and kernel reclaim it;</li>
 *   <li>the front end's grant table is released with its last channel.</li>
 * </ol>
 * Every frame the channel allocates is pinned for the channel's life ({@link #keepForLife}): a domain's death then
 * orphans it rather than freeing it under an end that is still inside a call on another thread, and the deferred
 * undo frees it.
 */
abstract class AbstractXenChannel implements Channel
{
    private static final int OPEN = 0;
    private static final int BROKEN = 1;
    private static final int CLOSED = 2;

    final AbstractXenTransport transport;
    final Kernel kernel;
    /** Messages and bytes through this channel, in the kernel's counters (barge stat shows them). */
    ChannelCounters counters;
    final Hypervisor hypervisor;
    final EventChannels events;
    /** The granting domain. */
    final Domain front;
    /** The mapping (or copying) domain. */
    final Domain back;
    final GrantMode mode;
    final int pageSize;
    final int maxMessageLength;
    final int capacity;
    final int pagesPerBuffer;
    final int indirectPerBuffer;
    final int ringPages;
    final int grantEntries;
    /** Events delivered to the back end's port (requests signalled) and to the front end's (responses). */
    final AtomicLong requestEvents = new AtomicLong();
    final AtomicLong responseEvents = new AtomicLong();

    private final List<Domain> undoOwners = new ArrayList<>();
    private final List<Runnable> undoActions = new ArrayList<>();
    private final Object teardownLock = new Object();
    private final DomainListener deaths = this::onDestroy;
    private volatile int state = OPEN;
    /** Made once both ends are (setUp); null if the ends were never made. */
    private volatile Deferral deferral;
    private volatile String failure;
    private int frontPort;
    private int backPort;

    /**
     * @param transport the transport (hypervisor, event channels, grant tables).
     * @param kernel    the machine.
     * @param front     the granting domain.
     * @param back      the mapping domain.
     * @param config    sizes.
     * @param slots     ring slots the channel needs at most (rounded up to a power of two).
     */
    AbstractXenChannel(final AbstractXenTransport transport, final Kernel kernel, final Domain front,
        final Domain back, final ChannelConfig config, final int slots)
    {
        this.transport = transport;
        this.kernel = kernel;
        this.hypervisor = transport.hypervisor();
        this.events = transport.events();
        this.front = front;
        this.back = back;
        this.mode = transport.mode();
        this.pageSize = kernel.memory().frameSize();
        this.maxMessageLength = config.maxMessageLength();
        this.capacity = config.capacity();
        this.pagesPerBuffer = (maxMessageLength + pageSize - 1) / pageSize;
        this.indirectPerBuffer = XenRequestDescriptor.indirectPagesFor(pagesPerBuffer, pageSize);
        // The ring holds a power of two of slots, as Xen's __RING_SIZE.
        final int ringSlots = Integer.bitCount(slots) == 1 ? slots : Integer.highestOneBit(slots) << 1;
        this.ringPages = (SharedRingDescriptor.SLOTS_OFFSET + ringSlots * XenRequestDescriptor.SLOT_LENGTH +
            pageSize - 1) / pageSize;
        this.grantEntries = ringPages + capacity * (pagesPerBuffer + indirectPerBuffer);
    }

    static void checkEnds(final Domain front, final Domain back)
    {
        if (front == back)
        {
            throw new IllegalArgumentException("front and back end must differ, both are " + front);
        }
        front.checkAlive();
        back.checkAlive();
    }

    /**
     * Sets the channel up; on failure everything acquired so far is returned.
     *
     * @param sender   the sending domain (counters).
     * @param receiver the receiving domain.
     */
    final void setUp(final Domain sender, final Domain receiver)
    {
        try
        {
            final GrantTable table = transport.acquireTable(front, grantEntries);
            undo(null, () -> transport.releaseTable(table, grantEntries));
            kernel.addDomainListener(deaths);
            undo(null, () -> kernel.removeDomainListener(deaths));
            // Closed under both ends' monitors (close), so no late count lands in a reused slot.
            counters = kernel.counters().newChannel("xen " + sender.name() + " -> " + receiver.name(), sender,
                receiver);
            undo(null, counters::close);
            makeEnds(table);
            deferral = new Deferral(kernel, this::release, frontEnd().quiescentEnd(), backEnd().quiescentEnd());
            frontPort = events.allocUnbound(front, back.id());
            undo(front, () -> events.close(front, frontPort));
            backPort = events.bindInterdomain(back, front.id(), frontPort);
            undo(back, () -> events.close(back, backPort));
            // The event channels are the waitset triggers: a request event wakes the back end, a response event
            // the front end (whichever of them is the receiver or a sender waiting for space).
            events.bindHandler(back, backPort, () ->
            {
                requestEvents.incrementAndGet();
                onBackEvent();
            });
            events.bindHandler(front, frontPort, () ->
            {
                responseEvents.incrementAndGet();
                onFrontEvent();
            });
            connect(frontPort, backPort);
        }
        catch (final RuntimeException ex)
        {
            state = CLOSED;
            undoAll(ex);
            throw ex;
        }
    }

    /**
     * Makes the front end (it grants from {@code table}) and then the back end.
     *
     * @param table the front end's grant table.
     */
    abstract void makeEnds(GrantTable table);

    /**
     * Hands each end its event-channel port.
     *
     * @param frontPort the front end's port.
     * @param backPort  the back end's port.
     */
    abstract void connect(int frontPort, int backPort);

    /** The back end's port fired (or the channel closed). */
    abstract void onBackEvent();

    /** The front end's port fired (or the channel closed). */
    abstract void onFrontEvent();

    /** @return the front end, or null while the channel is being set up. */
    abstract XenEnd frontEnd();

    /** @return the back end, or null while the channel is being set up. */
    abstract XenEnd backEnd();

    /**
     * Registers what undoes an acquisition; teardown runs these in reverse.
     *
     * @param owner  the domain the action works for, skipped once it is dead; null to always run.
     * @param action the undo.
     */
    void undo(final Domain owner, final Runnable action)
    {
        undoOwners.add(owner);
        undoActions.add(action);
    }

    /**
     * Pins a frame the channel allocated for the channel's life; the deferred undo drops the pin and frees it (as an
     * orphan if its owner died meanwhile), whoever is alive then.
     *
     * @param owner the frame's owner.
     * @param frame the frame.
     */
    void keepForLife(final Domain owner, final int frame)
    {
        kernel.pinFrame(owner, frame);
        undo(null, () -> kernel.unpinAndFree(owner, frame));
    }

    /**
     * @param owner the domain whose space gets the range.
     * @param pages its length in pages.
     * @return a range reserved in the owner's space, unreserved at teardown.
     */
    long reserve(final Domain owner, final int pages)
    {
        final long va = kernel.reserve(owner, pages);
        undo(owner, () -> kernel.unreserve(owner, va, pages));
        return va;
    }

    /**
     * Maps a peer's grant into a back end's space for the channel's life; unmapped (and the back end's translations
     * flushed) at teardown.
     *
     * @param mapper   the back end.
     * @param granter  the domain that granted it.
     * @param ref      the grant reference.
     * @param va       where in the mapper's space.
     * @param readOnly whether to map it read-only.
     */
    void mapForLife(final Domain mapper, final Domain granter, final int ref, final long va, final boolean readOnly)
    {
        final long handle = hypervisor.mapGrant(mapper, granter.id(), ref, va, readOnly);
        undo(mapper, () ->
        {
            hypervisor.unmapGrant(mapper, handle);
            kernel.flush(mapper);
        });
    }

    @Override
    public boolean isOpen()
    {
        return state == OPEN;
    }

    /**
     * @return the grant mode.
     */
    public GrantMode mode()
    {
        return mode;
    }

    /**
     * @return why the channel broke, or null.
     */
    public String failure()
    {
        return failure;
    }

    /**
     * Throws unless both ends may act.
     *
     * @param call the transport and the user's call, e.g. {@code "xen poll"}.
     */
    void checkUsable(final String call)
    {
        final int s = state;
        if (s == CLOSED)
        {
            throw closed(call);
        }
        if (s == BROKEN)
        {
            throw new ProtocolViolationException(call + ": xen channel " + front + "->" + back + " is broken: " +
                failure);
        }
    }

    /**
     * @param call the user's call.
     * @return the exception for a call on a closed channel.
     */
    ChannelClosedException closed(final String call)
    {
        return new ChannelClosedException(call + ": xen channel " + front + "->" + back + " is closed");
    }

    /**
     * @return whether the teardown's frees have run (both ends quiescent); for tests.
     */
    boolean isReleased()
    {
        final Deferral ends = deferral;
        return ends != null && ends.isReleased();
    }

    /**
     * @return whether the channel is closed (read volatile: an end's state read, {@link XenEnd#tryEnter}).
     */
    boolean isClosed()
    {
        return state == CLOSED;
    }

    /**
     * @return whether the channel is closed or broken (held messages' releases then only end the flyweight).
     */
    boolean isDown()
    {
        return state != OPEN;
    }

    /**
     * A ring detected a broken peer: the channel breaks (every later call throws) and nothing else.
     *
     * @param call the user's call.
     * @param ex   the ring's exception (already counted).
     * @return the exception, to throw.
     */
    ProtocolViolationException broken(final String call, final ProtocolViolationException ex)
    {
        markBroken(ex.getMessage());
        final ProtocolViolationException named = new ProtocolViolationException(call + ": " + ex.getMessage());
        named.initCause(ex);
        return named;
    }

    /**
     * The peer broke the protocol: counted on the detecting domain, the channel breaks.
     *
     * @param call     the user's call.
     * @param detector the domain that saw it.
     * @param why      the broken rule, with values.
     * @return the exception, to throw.
     */
    ProtocolViolationException violation(final String call, final Domain detector, final String why)
    {
        final String message = call + ": xen channel " + front + "->" + back + ": " + why;
        // A peer dying mid-call (its grants already gone) is no violation: whyFailed reports the channel closed.
        if (front.isAlive() && back.isAlive())
        {
            detector.count(CounterType.PROTOCOL_VIOLATIONS, 1);
            markBroken(message);
        }
        return new ProtocolViolationException(message);
    }

    /**
     * An end's call failed. If a domain of the channel is being destroyed (marked dead, this channel's teardown
     * about to take the ends' monitors), that is the cause, and the caller sees the channel closed, as it will
     * on every later call; any other failure stands.
     *
     * @param call the user's call.
     * @param ex   what the call raised.
     * @return the exception to throw.
     */
    RuntimeException whyFailed(final String call, final RuntimeException ex)
    {
        if (ex instanceof ChannelClosedException || (front.isAlive() && back.isAlive()))
        {
            return ex;
        }
        final ChannelClosedException closed = new ChannelClosedException(call + ": xen channel " + front + "->" +
            back + ": " + (front.isAlive() ? back : front) + " was destroyed");
        closed.initCause(ex);
        return closed;
    }

    private void markBroken(final String why)
    {
        if (state == OPEN)
        {
            failure = why;
            state = BROKEN;
        }
    }

    private void onDestroy(final Domain dead)
    {
        if (dead == front || dead == back)
        {
            close();
        }
    }

    /**
     * Tears the channel down (see the class comment). Idempotent; safe from any thread, and never waits: every later
     * call sees {@link ChannelClosedException}; every frame is back once both ends are quiescent, at once if neither
     * runs on another live thread. A repeated close (the transport's close too) finishes a teardown whose ends have
     * become quiescent since, their threads ended.
     */
    @Override
    public void close()
    {
        // Two closers (a user and a domain's death) may both get here: one tears down.
        final boolean first;
        synchronized (teardownLock)
        {
            first = state != CLOSED;
            state = CLOSED; // volatile, then the deferral's reads of the ends' threads: QuiescentEnd's Dekker pair
        }
        final Deferral ends = deferral;
        if (ends != null)
        {
            // A later close asks again: an end whose thread has ended (or is this one) since is quiescent now.
            ends.teardown();
        }
        else if (first)
        {
            release(); // the ends were never made: nothing can be inside a call
        }
        if (first)
        {
            // Registered ends learn of the close from their waitsets (a poll then throws ChannelClosedException).
            onBackEvent();
            onFrontEvent();
        }
    }

    /** The deferred half of the teardown: both ends are quiescent. */
    private void release()
    {
        synchronized (teardownLock)
        {
            final XenEnd frontEnd = frontEnd();
            final XenEnd backEnd = backEnd();
            if (frontEnd != null && backEnd != null)
            {
                // Quiescent ends: their last counts are seen here (the deferral's monitor orders them).
                frontEnd.publishCounts();
                backEnd.publishCounts();
            }
            undoAll(null);
            transport.forget(this); // after the frees: the transport's close tears down what is not released yet
        }
    }

    private void undoAll(final RuntimeException cause)
    {
        RuntimeException first = null;
        for (int i = undoActions.size() - 1; i >= 0; i--)
        {
            final Domain owner = undoOwners.get(i);
            if (owner == null || owner.isAlive())
            {
                try
                {
                    undoActions.get(i).run();
                }
                catch (final RuntimeException ex)
                {
                    if (cause != null)
                    {
                        cause.addSuppressed(ex);
                    }
                    else if (first == null)
                    {
                        first = ex;
                    }
                }
            }
        }
        undoActions.clear();
        undoOwners.clear();
        if (first != null)
        {
            throw new IllegalStateException("xen channel " + front + "->" + back + " teardown failed", first);
        }
    }
}
