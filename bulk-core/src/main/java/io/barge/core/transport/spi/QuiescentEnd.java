package io.barge.core.transport.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One end's record for quiescent-state deferral ({@link Deferral}): the thread of its last call, stored (volatile)
 * only when the calling thread changes, and whether the end has become quiescent (it will touch none of its
 * channel's frames again). A steady-state call costs a load and a compare ({@link #enter}), then the caller's own
 * volatile load of its channel state: no CAS and no fence on x86.
 * <p>
 * The protocol, for an end E and a teardown T (see {@link Deferral} for T's side):
 * <ol>
 *   <li>E's every call that may touch a frame through a raw view first calls {@link #enter} (which stores the
 *       calling thread, volatile, if it differs from the recorded one) and then reads its channel's state
 *       (volatile).</li>
 *   <li>E's call that sees the state not open touches no raw view after that read and calls {@link #quiescent}
 *       on its own thread.</li>
 *   <li>T stores the closed state (volatile) and then reads {@link #lastThread} (volatile). Steps 1 and 3 are a
 *       Dekker pair: if T reads a thread other than the one of a call in progress, that call's state read comes
 *       after T's store and sees the channel closed.</li>
 * </ol>
 * Unlike {@link EndGate} there is no check that two threads never call one end at once: that check is the CAS this
 * record exists to avoid. One thread acts for an end at a time; it may be handed to another thread with a
 * happens-before edge between the last call on the old thread and the first on the new (the notification core's
 * ends have the same rule). An end whose calls a second thread races breaks its own bookkeeping, as an Agrona ring's
 * single producer does, but no frame is freed under either thread.
 */
public final class QuiescentEnd
{
    private static final VarHandle THREAD;

    static
    {
        try
        {
            THREAD = MethodHandles.lookup().findVarHandle(QuiescentEnd.class, "thread", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** The thread of the last call; read plainly by the end, stored and read by others through {@link #THREAD}. */
    private Thread thread;
    /** For a record that stands for one end's use of a part of its channel: the end whose thread it follows. */
    private final QuiescentEnd threadOf;
    /** Guarded by this: whether the end will touch nothing of its channel any more. */
    private boolean quiescent;
    /** Guarded by this: the deferrals waiting on this end. */
    private Deferral[] watchers = new Deferral[0];

    /**
     * A record of one end.
     */
    public QuiescentEnd()
    {
        this.threadOf = null;
    }

    /**
     * A record for one end's use of one part of its channel (a multicast sender's use of one receiver's link): it
     * follows that end's thread ({@link #enter} of {@code threadOf} records it) and becomes quiescent on its own,
     * when the end lets go of that part.
     *
     * @param threadOf the end whose calls record the thread.
     */
    public QuiescentEnd(final QuiescentEnd threadOf)
    {
        this.threadOf = threadOf;
    }

    /**
     * Records the calling thread if it changed; the caller then reads its channel's state (class comment, step 1).
     */
    public void enter()
    {
        final Thread current = Thread.currentThread();
        if (thread != current)
        {
            // Volatile: a teardown that reads the old thread stored its closed state before this call's state read.
            THREAD.setVolatile(this, current);
        }
    }

    /**
     * @return the thread of the end's last call (read volatile), or null if it was never called.
     */
    public Thread lastThread()
    {
        return threadOf != null ? threadOf.lastThread() : (Thread)THREAD.getVolatile(this);
    }

    /**
     * Called on the end's own thread by a call that saw its channel not open and touches no raw view after it
     * (class comment, step 2), or on the thread that made a part of the channel unreachable for the end: the
     * deferrals waiting on this end may now release what it reached.
     */
    public void quiescent()
    {
        final Deferral[] told;
        synchronized (this)
        {
            if (quiescent)
            {
                return;
            }
            quiescent = true;
            told = watchers;
        }
        for (final Deferral deferral : told)
        {
            deferral.endQuiesced();
        }
    }

    /**
     * @return whether the end has called {@link #quiescent} (or a teardown found it quiescent).
     */
    public synchronized boolean isQuiescent()
    {
        return quiescent;
    }

    /**
     * A teardown's check, after its volatile store of the closed state: an end whose last thread is none, a
     * terminated one or (unless {@code lazy}) the calling thread cannot be inside a call now, and its next call sees
     * the state closed; it is quiescent from now on.
     *
     * @param lazy the kernel's lazy pass on whatever thread counts frames: only a terminated thread counts.
     * @return whether the end is quiescent.
     */
    synchronized boolean quiescentFromHere(final boolean lazy)
    {
        if (!quiescent)
        {
            final Thread last = lastThread();
            // Terminated: its last action happens before isAlive() returns false, so none of its accesses is in
            // flight.
            quiescent = last == null || !last.isAlive() || !lazy && last == Thread.currentThread();
        }
        return quiescent;
    }

    synchronized void watch(final Deferral deferral)
    {
        final Deferral[] grown = java.util.Arrays.copyOf(watchers, watchers.length + 1);
        grown[watchers.length] = deferral;
        watchers = grown;
    }
}
