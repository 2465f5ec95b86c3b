package io.barge.core.notify;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One event source on a {@link Waitset} (seed 003, 4.1.1): a channel is unregistered, idle, polled or pending.
 * <ul>
 *   <li>{@link #register} associates a handler with an unregistered channel on a waitset: idle;</li>
 *   <li>{@link #registerPolled} does the same for an event that must be polled for (a UMP ring): polled;</li>
 *   <li>{@link #trigger} signals the event on an idle or polled channel: pending;</li>
 *   <li>a pending channel is delivered exactly once to one thread dispatching its waitset, and becomes
 *       unregistered just before its handler runs: registrations are single-shot, a handler that wants the next
 *       event registers again;</li>
 *   <li>{@link #deregister} cancels from any state; {@link #cancel} too, as a delivery would (the channel stays
 *       known to its waitset, so registering there again allocates nothing).</li>
 * </ul>
 * State changes are serialised on the waitset's lock; {@link #state()} may be read from any thread.
 */
public final class WaitsetChannel
{
    /** Channel states. */
    public enum State
    {
        /** No handler; not associated with a waitset. */
        UNREGISTERED,
        /** Handler registered; event not yet occurred. */
        IDLE,
        /** Handler registered; the waitset polls for the event. */
        POLLED,
        /** Event occurred; waiting to be delivered. */
        PENDING
    }

    private final String name;
    volatile State state = State.UNREGISTERED;
    volatile Waitset waitset;
    Runnable handler;
    BooleanSupplier poller;
    /** The waitset whose polled list holds this channel (kept across deliveries so re-registering allocates nothing). */
    Waitset polledIn;
    /** Held while a dispatching thread runs the poller: one poller at a time. */
    final AtomicBoolean polling = new AtomicBoolean();
    WaitsetChannel prev;
    WaitsetChannel next;

    /**
     * @param name for diagnostics.
     */
    public WaitsetChannel(final String name)
    {
        this.name = name;
    }

    /**
     * @return the current state.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return the waitset the channel is registered on, or null when unregistered.
     */
    public Waitset waitset()
    {
        return state == State.UNREGISTERED ? null : waitset;
    }

    /**
     * Registers a handler for the next occurrence of the event.
     *
     * @param waitset the waitset that will deliver it.
     * @param handler run once, by a thread dispatching the waitset.
     * @throws IllegalStateException if the channel is already registered.
     */
    public void register(final Waitset waitset, final Runnable handler)
    {
        checkArgs(waitset, handler);
        waitset.register(this, handler, null);
    }

    /**
     * Registers a handler for an event the waitset must poll for: every dispatching thread that finds nothing
     * pending runs {@code poller} (one thread at a time) and triggers the channel when it returns true.
     *
     * @param waitset the waitset.
     * @param handler run once when the event is delivered.
     * @param poller  says whether the event has occurred; cheap, no side effects the handler relies on.
     * @throws IllegalStateException if the channel is already registered.
     */
    public void registerPolled(final Waitset waitset, final Runnable handler, final BooleanSupplier poller)
    {
        checkArgs(waitset, handler);
        if (poller == null)
        {
            throw new IllegalArgumentException("poller must not be null");
        }
        waitset.register(this, handler, poller);
    }

    /**
     * Signals the event: an idle or polled channel becomes pending.
     *
     * @return whether the channel moved to pending (false if unregistered or already pending).
     */
    public boolean trigger()
    {
        while (true)
        {
            final Waitset ws = waitset;
            if (ws == null || state == State.UNREGISTERED)
            {
                return false;
            }
            final int result = ws.trigger(this);
            if (result >= 0)
            {
                return result == 1;
            }
            // The channel moved to another waitset while we looked; try again there.
        }
    }

    /**
     * Cancels the registration from any state; a pending event is dropped.
     *
     * @return whether the channel was registered.
     */
    public boolean deregister()
    {
        while (true)
        {
            final Waitset ws = waitset;
            if (ws == null)
            {
                return false;
            }
            final int result = ws.deregister(this);
            if (result >= 0)
            {
                return result == 1;
            }
        }
    }

    /**
     * Cancels the registration from any state as a delivery would, without running the handler: a pending event is
     * dropped and the channel may be registered again at once. Unlike {@link #deregister} a polled channel stays in
     * its waitset's list of polled channels (as after a delivery), so cancelling and registering again on the same
     * waitset allocate nothing.
     *
     * @return whether the channel was registered.
     */
    public boolean cancel()
    {
        while (true)
        {
            final Waitset ws = waitset;
            if (ws == null)
            {
                return false;
            }
            final int result = ws.cancel(this);
            if (result >= 0)
            {
                return result == 1;
            }
        }
    }

    /**
     * Delivers the event now on the calling thread if it is pending (LMP's directed yield).
     *
     * @return whether the handler ran here.
     */
    boolean runIfPending()
    {
        final Waitset ws = waitset;
        if (ws == null || state != State.PENDING)
        {
            return false;
        }
        final Runnable h = ws.takeIfPending(this);
        if (h == null)
        {
            return false;
        }
        h.run();
        return true;
    }

    private static void checkArgs(final Waitset waitset, final Runnable handler)
    {
        if (waitset == null || handler == null)
        {
            throw new IllegalArgumentException("waitset and handler must not be null");
        }
    }

    @Override
    public String toString()
    {
        return "WaitsetChannel[" + name + ", " + state + "]";
    }
}
