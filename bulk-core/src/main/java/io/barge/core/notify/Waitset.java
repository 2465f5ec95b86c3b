package io.barge.core.notify;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The rendezvous of threads with events (seed 003, 4.1): event channels ({@link WaitsetChannel}) become pending,
 * and threads that dispatch the waitset run their handlers, each pending event exactly once.
 * <p>
 * Several threads may dispatch one waitset at once. Pending channels sit in an intrusive FIFO under the waitset's
 * lock, so queueing and delivering allocate nothing. Polled channels stay in an array while registered (and
 * across single-shot re-registrations); a dispatcher runs their pollers, each by one thread at a time, when it finds
 * nothing pending and also after every {@link #SWEEP_INTERVAL} deliveries, so that channels that are always pending
 * again (a busy LMP channel re-registering) cannot starve the polled ones. Blocking waits either use an Agrona
 * {@link IdleStrategy} ({@link #dispatch(IdleStrategy)} and its kin) or park ({@link #dispatch(long, TimeUnit)},
 * {@link #dispatchUntil}): a parked dispatcher is woken by a trigger (LMP, closes, {@link WaitsetChannel#trigger})
 * and, while any polled channel (UMP) is registered, parks at most {@link #MAX_POLL_PARK_NS} at a time so that it
 * looks at the polled channels again; parking allocates nothing.
 * <p>
 * <b>Fairness bound.</b> Let {@code N} be the number of channels registered on the waitset. An idle channel that is
 * triggered runs within {@code N} deliveries (FIFO; a channel is queued at most once). A polled channel whose poller
 * returns true runs within {@code SWEEP_INTERVAL + N} deliveries: the next sweep comes at most
 * {@code SWEEP_INTERVAL} deliveries later and queues it behind at most {@code N - 1} others. This holds whatever the
 * other channels do.
 */
public final class Waitset
{
    /**
     * Most deliveries between two sweeps of the polled channels while other channels keep the waitset busy. Small
     * enough to bound a polled channel's wait, large enough that a sweep's pollers (one CAS and a peek each) stay a
     * small part of a dispatch.
     */
    public static final int SWEEP_INTERVAL = 16;

    /**
     * Longest park of a dispatcher while a polled channel is registered: nothing triggers a polled channel, so the
     * dispatcher must look again. Parks start at {@link #MIN_POLL_PARK_NS} and double up to this bound, trading a
     * polled event's latency (at most this) against the CPU a sleeping dispatcher burns.
     */
    public static final long MAX_POLL_PARK_NS = 1_000_000L;

    /** First park of a dispatcher while a polled channel is registered. */
    public static final long MIN_POLL_PARK_NS = 1_000L;

    private final String name;
    private WaitsetChannel head;
    private WaitsetChannel tail;
    private int pendingCount;
    /** Deliveries since the last sweep was asked for; under this waitset's lock. */
    private int deliveriesSinceSweep;
    /** Set every {@link #SWEEP_INTERVAL} deliveries; the next dispatcher sweeps before it takes. */
    private volatile boolean sweepDue;
    private volatile WaitsetChannel[] polled = new WaitsetChannel[0];
    /** Threads parked (or about to park) in a parking dispatch; under this waitset's lock. Grows, never shrinks. */
    private Thread[] waiters = new Thread[2];
    private int waiterCount;

    /**
     * @param name for diagnostics.
     */
    public Waitset(final String name)
    {
        this.name = name;
    }

    /**
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return channels pending now.
     */
    public synchronized int pendingCount()
    {
        return pendingCount;
    }

    // ---- dispatch ----------------------------------------------------------------------------------------------

    /**
     * Runs at most one pending event on the calling thread, polling polled channels first if none is pending or a
     * sweep is due ({@link #SWEEP_INTERVAL}). Never blocks.
     *
     * @return whether a handler ran.
     */
    public boolean poll()
    {
        final Runnable handler = tryNextEvent();
        if (handler == null)
        {
            return false;
        }
        handler.run();
        return true;
    }

    /**
     * Takes the next pending event without blocking; the channel is unregistered when this returns.
     *
     * @return the event's handler for the caller to run, or null if nothing is pending.
     */
    public Runnable tryNextEvent()
    {
        if (sweepDue)
        {
            // Busy channels kept the queue non-empty for SWEEP_INTERVAL deliveries: give the polled ones their turn.
            sweepDue = false;
            pollChannels();
        }
        Runnable handler = take();
        if (handler == null && pollChannels())
        {
            handler = take();
        }
        return handler;
    }

    /**
     * Waits for the next event.
     *
     * @param idle how to wait between looks.
     * @return the event's handler for the caller to run.
     */
    public Runnable nextEvent(final IdleStrategy idle)
    {
        idle.reset();
        Runnable handler;
        while ((handler = tryNextEvent()) == null)
        {
            idle.idle();
        }
        return handler;
    }

    /**
     * Waits for the next event at most {@code timeout}.
     *
     * @param timeout longest wait.
     * @param unit    its unit.
     * @param idle    how to wait between looks.
     * @return the event's handler, or null on timeout.
     */
    public Runnable nextEvent(final long timeout, final TimeUnit unit, final IdleStrategy idle)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        idle.reset();
        Runnable handler;
        while ((handler = tryNextEvent()) == null)
        {
            if (System.nanoTime() - deadline >= 0)
            {
                return null;
            }
            idle.idle();
        }
        return handler;
    }

    /**
     * Waits for the next event and runs it (Barrelfish's {@code event_dispatch}).
     *
     * @param idle how to wait between looks.
     */
    public void dispatch(final IdleStrategy idle)
    {
        nextEvent(idle).run();
    }

    /**
     * Waits for the next event and runs it, with a {@link BackoffIdleStrategy} made only if it has to wait.
     */
    public void dispatch()
    {
        if (!poll())
        {
            dispatch(new BackoffIdleStrategy());
        }
    }

    /**
     * Waits at most {@code timeout} for the next event and runs it.
     *
     * @param timeout longest wait.
     * @param unit    its unit.
     * @param idle    how to wait between looks.
     * @return whether an event ran (false on timeout).
     */
    public boolean dispatch(final long timeout, final TimeUnit unit, final IdleStrategy idle)
    {
        final Runnable handler = nextEvent(timeout, unit, idle);
        if (handler == null)
        {
            return false;
        }
        handler.run();
        return true;
    }

    /**
     * Waits at most {@code timeout} for the next event and runs it, parking the thread while nothing is pending
     * (see the class comment: a trigger wakes it; polled channels are looked at again after bounded parks).
     *
     * @param timeout longest wait; zero looks once.
     * @param unit    its unit.
     * @return whether an event ran (false on timeout).
     * @throws IllegalArgumentException if {@code timeout < 0} or the unit is null.
     */
    public boolean dispatch(final long timeout, final TimeUnit unit)
    {
        return dispatch(null, timeout, unit, false);
    }

    /**
     * Runs events on the calling thread until {@code done} says true or {@code timeout} passes, parking while
     * nothing is pending as {@link #dispatch(long, TimeUnit)} does. {@code done} is asked first, after every event
     * and after every wake-up; a condition that another thread makes true (an event delivered elsewhere, as LMP's
     * directed yield does) should come with a {@link LockSupport#unpark} of the waiting thread, or is seen only at
     * the next trigger, bounded park or the timeout.
     *
     * @param done    the condition waited for; cheap, asked often.
     * @param timeout longest wait.
     * @param unit    its unit.
     * @return whether {@code done} said true (false on timeout).
     * @throws IllegalArgumentException if {@code done} or the unit is null or {@code timeout < 0}.
     */
    public boolean dispatchUntil(final BooleanSupplier done, final long timeout, final TimeUnit unit)
    {
        if (done == null)
        {
            throw new IllegalArgumentException(this + " dispatchUntil: the condition must not be null");
        }
        return dispatch(done, timeout, unit, true);
    }

    private boolean dispatch(final BooleanSupplier done, final long timeout, final TimeUnit unit,
        final boolean untilDone)
    {
        if (unit == null || timeout < 0)
        {
            throw new IllegalArgumentException(this + " dispatch: timeout=" + timeout + " unit=" + unit +
                ": a timeout >= 0 and a unit are needed");
        }
        if (untilDone && done.getAsBoolean())
        {
            return true;
        }
        final Thread current = Thread.currentThread();
        // Wrap-safe: only differences of nanoTime values are compared.
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        long pollPark = MIN_POLL_PARK_NS;
        addWaiter(current);
        try
        {
            while (true)
            {
                // Looked at after the thread became a waiter: a trigger from now on unparks it, one before is seen.
                final Runnable handler = tryNextEvent();
                if (handler != null)
                {
                    handler.run();
                    if (!untilDone || done.getAsBoolean())
                    {
                        return true;
                    }
                    pollPark = MIN_POLL_PARK_NS;
                    continue;
                }
                if (untilDone && done.getAsBoolean())
                {
                    return true;
                }
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0)
                {
                    return false;
                }
                if (hasPolledRegistration())
                {
                    LockSupport.parkNanos(this, Math.min(remaining, pollPark));
                    pollPark = Math.min(pollPark << 1, MAX_POLL_PARK_NS);
                }
                else
                {
                    LockSupport.parkNanos(this, remaining);
                }
            }
        }
        finally
        {
            removeWaiter(current);
        }
    }

    /** @return whether a thread is in a parking dispatch; for tests. */
    synchronized boolean hasWaiterForTest()
    {
        return waiterCount != 0;
    }

    private boolean hasPolledRegistration()
    {
        for (final WaitsetChannel channel : polled)
        {
            if (channel.state == WaitsetChannel.State.POLLED)
            {
                return true;
            }
        }
        return false;
    }

    private synchronized void addWaiter(final Thread thread)
    {
        if (waiterCount == waiters.length)
        {
            waiters = Arrays.copyOf(waiters, waiterCount << 1); // only when more threads park at once than before
        }
        waiters[waiterCount++] = thread;
    }

    private synchronized void removeWaiter(final Thread thread)
    {
        for (int i = 0; i < waiterCount; i++)
        {
            if (waiters[i] == thread)
            {
                waiters[i] = waiters[--waiterCount];
                waiters[waiterCount] = null;
                return;
            }
        }
    }

    private synchronized Runnable take()
    {
        final WaitsetChannel channel = head;
        if (channel == null)
        {
            return null;
        }
        unlink(channel);
        return deliver(channel);
    }

    synchronized Runnable takeIfPending(final WaitsetChannel channel)
    {
        if (channel.waitset != this || channel.state != WaitsetChannel.State.PENDING)
        {
            return null;
        }
        unlink(channel);
        return deliver(channel);
    }

    private Runnable deliver(final WaitsetChannel channel)
    {
        if (++deliveriesSinceSweep >= SWEEP_INTERVAL)
        {
            deliveriesSinceSweep = 0;
            if (polled.length != 0)
            {
                sweepDue = true;
            }
        }
        final Runnable handler = channel.handler;
        channel.handler = null;
        channel.poller = null;
        // Unregistered before the handler runs, so that the handler may register again (single shot).
        channel.state = WaitsetChannel.State.UNREGISTERED;
        return handler;
    }

    private boolean pollChannels()
    {
        final WaitsetChannel[] channels = polled;
        boolean triggered = false;
        for (final WaitsetChannel channel : channels)
        {
            if (channel.state == WaitsetChannel.State.POLLED && channel.polling.compareAndSet(false, true))
            {
                try
                {
                    final java.util.function.BooleanSupplier poller = channel.poller;
                    if (channel.state == WaitsetChannel.State.POLLED && poller != null && poller.getAsBoolean())
                    {
                        triggered |= trigger(channel) == 1;
                    }
                }
                finally
                {
                    channel.polling.set(false);
                }
            }
        }
        return triggered;
    }

    // ---- channel state changes (under this waitset's lock) -----------------------------------------------------

    void register(final WaitsetChannel channel, final Runnable handler,
        final java.util.function.BooleanSupplier poller)
    {
        final Waitset oldPolledIn;
        synchronized (this)
        {
            if (channel.state != WaitsetChannel.State.UNREGISTERED)
            {
                throw new IllegalStateException(channel + " is already registered on " + channel.waitset +
                    ": registrations are single-shot, deregister or wait for delivery first");
            }
            oldPolledIn = channel.polledIn;
            channel.waitset = this;
            channel.handler = handler;
            channel.poller = poller;
            if (poller != null && oldPolledIn != this)
            {
                addPolled(channel);
                channel.polledIn = this;
            }
            channel.state = poller != null ? WaitsetChannel.State.POLLED : WaitsetChannel.State.IDLE;
        }
        if (oldPolledIn != null && oldPolledIn != this && poller != null)
        {
            oldPolledIn.removePolled(channel);
        }
    }

    /** @return -1 if the channel is not on this waitset, 1 if it became pending, 0 otherwise. */
    synchronized int trigger(final WaitsetChannel channel)
    {
        if (channel.waitset != this)
        {
            return -1;
        }
        final WaitsetChannel.State state = channel.state;
        if (state != WaitsetChannel.State.IDLE && state != WaitsetChannel.State.POLLED)
        {
            return 0;
        }
        channel.state = WaitsetChannel.State.PENDING;
        channel.prev = tail;
        channel.next = null;
        if (tail == null)
        {
            head = channel;
        }
        else
        {
            tail.next = channel;
        }
        tail = channel;
        pendingCount++;
        // Every parked dispatcher looks again; one takes the event, the others park again.
        for (int i = 0; i < waiterCount; i++)
        {
            LockSupport.unpark(waiters[i]);
        }
        return 1;
    }

    /**
     * @return -1 if the channel is not on this waitset, 1 if it was registered, 0 otherwise; as a delivery, the
     *         channel stays in this waitset's polled list.
     */
    synchronized int cancel(final WaitsetChannel channel)
    {
        if (channel.waitset != this)
        {
            return -1;
        }
        final boolean wasRegistered = channel.state != WaitsetChannel.State.UNREGISTERED;
        if (channel.state == WaitsetChannel.State.PENDING)
        {
            unlink(channel);
        }
        channel.state = WaitsetChannel.State.UNREGISTERED;
        channel.handler = null;
        channel.poller = null;
        return wasRegistered ? 1 : 0;
    }

    /** @return -1 if the channel is not on this waitset, 1 if it was registered, 0 otherwise. */
    synchronized int deregister(final WaitsetChannel channel)
    {
        final int result = cancel(channel);
        if (result >= 0)
        {
            channel.waitset = null;
            if (channel.polledIn == this)
            {
                channel.polledIn = null;
                removePolled(channel);
            }
        }
        return result;
    }

    private void unlink(final WaitsetChannel channel)
    {
        final WaitsetChannel prev = channel.prev;
        final WaitsetChannel next = channel.next;
        if (prev == null)
        {
            head = next;
        }
        else
        {
            prev.next = next;
        }
        if (next == null)
        {
            tail = prev;
        }
        else
        {
            next.prev = prev;
        }
        channel.prev = null;
        channel.next = null;
        pendingCount--;
    }

    private synchronized void addPolled(final WaitsetChannel channel)
    {
        final WaitsetChannel[] old = polled;
        final WaitsetChannel[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = channel;
        polled = grown;
    }

    private synchronized void removePolled(final WaitsetChannel channel)
    {
        final WaitsetChannel[] old = polled;
        int index = -1;
        for (int i = 0; i < old.length; i++)
        {
            if (old[i] == channel)
            {
                index = i;
            }
        }
        if (index >= 0)
        {
            final WaitsetChannel[] shrunk = new WaitsetChannel[old.length - 1];
            System.arraycopy(old, 0, shrunk, 0, index);
            System.arraycopy(old, index + 1, shrunk, index, old.length - index - 1);
            polled = shrunk;
        }
    }

    @Override
    public String toString()
    {
        return "Waitset[" + name + "]";
    }
}
