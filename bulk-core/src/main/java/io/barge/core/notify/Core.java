package io.barge.core.notify;

import io.barge.core.Domain;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated CPU core: an event-loop thread, run as an Agrona {@link Agent} by an {@link AgentRunner}, that
 * dispatches the waitsets of the domains placed on it. Domains on the same core talk over LMP.
 * <p>
 * Use {@link #start(IdleStrategy)} to run the loop on its own thread, or call {@link #doWork()} from a thread of your
 * own (a test, a composite agent).
 */
public final class Core implements Agent, AutoCloseable
{
    /** Most events one waitset may deliver in one {@link #doWork()}, so that one busy waitset cannot starve others. */
    public static final int EVENTS_PER_WAITSET = 64;

    private static final Map<Domain, Core> PLACEMENT = Collections.synchronizedMap(new WeakHashMap<>());

    private final String name;
    private final Waitset defaultWaitset;
    private final CopyOnWriteArrayList<Waitset> waitsets = new CopyOnWriteArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private volatile Throwable lastError;
    private volatile AgentRunner runner;

    /**
     * @param name the core's name, also its thread's.
     */
    public Core(final String name)
    {
        this.name = name;
        this.defaultWaitset = new Waitset(name + "-default");
        waitsets.add(defaultWaitset);
    }

    /**
     * @param domain a domain.
     * @return the core it was placed on, or null.
     */
    public static Core of(final Domain domain)
    {
        return PLACEMENT.get(domain);
    }

    /**
     * Places a domain on this core.
     *
     * @param domain the domain.
     * @throws IllegalStateException if it is already placed on another core.
     */
    public void place(final Domain domain)
    {
        final Core previous = PLACEMENT.putIfAbsent(domain, this);
        if (previous != null && previous != this)
        {
            throw new IllegalStateException("domain " + domain + " is already placed on core " + previous.name);
        }
    }

    /**
     * @param domain a domain placed here; it is placed nowhere afterwards.
     */
    public void remove(final Domain domain)
    {
        PLACEMENT.remove(domain, this);
    }

    /**
     * @return the waitset this core always dispatches.
     */
    public Waitset defaultWaitset()
    {
        return defaultWaitset;
    }

    /**
     * @param waitset another waitset for this core's loop to dispatch.
     */
    public void addWaitset(final Waitset waitset)
    {
        waitsets.addIfAbsent(waitset);
    }

    /**
     * @param waitset a waitset added before.
     */
    public void removeWaitset(final Waitset waitset)
    {
        if (waitset != defaultWaitset)
        {
            waitsets.remove(waitset);
        }
    }

    /**
     * Dispatches each waitset until it has nothing pending (at most {@link #EVENTS_PER_WAITSET} events each).
     *
     * @return events delivered.
     */
    @Override
    public int doWork()
    {
        int work = 0;
        for (final Waitset waitset : waitsets)
        {
            for (int i = 0; i < EVENTS_PER_WAITSET && waitset.poll(); i++)
            {
                work++;
            }
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return name;
    }

    /**
     * Starts the event loop on its own thread.
     *
     * @param idle what the loop does when no event is pending.
     * @return this core.
     * @throws IllegalStateException if already started.
     */
    public synchronized Core start(final IdleStrategy idle)
    {
        if (runner != null)
        {
            throw new IllegalStateException("core " + name + " is already running");
        }
        final ErrorHandler onError = (throwable) ->
        {
            errors.incrementAndGet();
            lastError = throwable;
        };
        runner = new AgentRunner(idle, onError, null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    /**
     * @return handler exceptions the loop caught (the loop goes on after each).
     */
    public long errorCount()
    {
        return errors.get();
    }

    /**
     * @return the last exception a handler threw on the loop, or null.
     */
    public Throwable lastError()
    {
        return lastError;
    }

    /**
     * Stops the loop thread (if started) and waits for it.
     */
    @Override
    public synchronized void close()
    {
        final AgentRunner r = runner;
        if (r != null)
        {
            r.close();
            runner = null;
        }
    }

    @Override
    public String toString()
    {
        return "Core[" + name + "]";
    }
}
