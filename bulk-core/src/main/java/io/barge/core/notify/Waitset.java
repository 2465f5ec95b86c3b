package io.barge.core.notify;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The rendezvous of threads with events (seed 003, 4.1): event channels ({@link WaitsetChannel}) become pending,
 * and threads that dispatch the waitset run their handlers, each pending event exactly once.
 * <p>
 * Several threads may dispatch one waitset at once. Pending channels sit in an intrusive FIFO under the waitset's
 * lock, so queueing and delivering allocate nothing. Polled channels stay in an array while registered (and
 * across single-shot re-registrations); a dispatcher runs their pollers, each by one thread at a time, when it finds
 * nothing pending and also after every {@link #SWEEP_INTERVAL} deliveries, so that channels that are always pending
 * again (a busy LMP channel re-registering) cannot starve the polled ones. Blocking waits use an Agrona
 * {@link IdleStrategy}.
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

    private final String name;
    private WaitsetChannel head;
    private WaitsetChannel tail;
    private int pendingCount;
    /** Deliveries since the last sweep was asked for; under this waitset's lock. */
    private int deliveriesSinceSweep;
    /** Set every {@link #SWEEP_INTERVAL} deliveries; the next dispatcher sweeps before it takes. */
    private volatile boolean sweepDue;
    private volatile WaitsetChannel[] polled = new WaitsetChannel[0];

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
        return 1;
    }

    /** @return -1 if the channel is not on this waitset, 1 if it was registered, 0 otherwise. */
    synchronized int deregister(final WaitsetChannel channel)
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
        channel.waitset = null;
        if (channel.polledIn == this)
        {
            channel.polledIn = null;
            removePolled(channel);
        }
        return wasRegistered ? 1 : 0;
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
