package io.barge.core.transport.spi;

import io.barge.core.Kernel;
import io.barge.core.PinReclaimer;

/**
 * Quiescent-state deferral of a teardown's frees, for ends that reach their channel's frames through raw views with
 * no fence per call ({@link QuiescentEnd}): the part of a teardown that frees what the ends reach (rings, control
 * areas, event channels) runs once every end is quiescent, and never while one may still touch it.
 * <ol>
 *   <li>The frames the ends reach raw are pinned at setup by the owner of the deferral ({@link Kernel#pinFrame}),
 *       so that a domain's death orphans them instead of freeing them while an end may still touch them; the
 *       release drops those pins ({@link Kernel#unpinAndFree}).</li>
 *   <li>{@link #teardown}, after the caller's volatile store of the closed state, reads each end's thread: an end
 *       whose thread is this one, none or a terminated one is quiescent ({@link QuiescentEnd}, step 3). If every
 *       end is, the release runs now, on this thread.</li>
 *   <li>Otherwise each remaining end becomes quiescent on its own thread at its next call, which sees the state
 *       closed ({@link QuiescentEnd#quiescent}); the last one runs the release on its thread.</li>
 *   <li>Until then the deferral is a {@link PinReclaimer}: before the kernel counts its free frames or fails an
 *       allocation for want of frames it asks again, and an end whose thread has ended since is quiescent then.</li>
 * </ol>
 * The release runs exactly once, outside this object's monitor (it takes the kernel's). A teardown on the end's
 * own thread while that end is inside a call (a test hook, a handler closing its own channel) counts the end
 * quiescent: the release runs under the call, which must then touch no freed frame when it resumes (the views are
 * re-pointed at private memory by the release before any frame goes).
 */
public final class Deferral implements PinReclaimer
{
    private final Kernel kernel;
    private final Runnable release;
    private final QuiescentEnd[] ends;
    private boolean tornDown;
    private boolean released;
    private boolean reclaimerAdded;

    /**
     * @param kernel  the machine, asked to call {@link #reclaim} while ends keep the release waiting.
     * @param release frees what the ends reach; run once, when the teardown has run and every end is quiescent.
     * @param ends    the ends that reach it.
     */
    public Deferral(final Kernel kernel, final Runnable release, final QuiescentEnd... ends)
    {
        this.kernel = kernel;
        this.release = release;
        this.ends = ends.clone();
        for (final QuiescentEnd end : this.ends)
        {
            end.watch(this);
        }
    }

    /**
     * The teardown, after the caller stored the closed state (volatile) every end reads: the release runs now if
     * every end is quiescent from here, else once the last one is. Idempotent: a repeated call asks the ends again
     * (one whose thread has ended since, or is the calling one, is quiescent now).
     */
    public void teardown()
    {
        synchronized (this)
        {
            tornDown = true;
        }
        tryRelease(false);
    }

    /**
     * @return whether the release has run.
     */
    public synchronized boolean isReleased()
    {
        return released;
    }

    /** An end became quiescent on its own thread. */
    void endQuiesced()
    {
        tryRelease(false);
    }

    /**
     * The kernel's lazy pass: ends whose threads ended since count as quiescent. It waits for no thread: a domain
     * thread's task hands out its result only once the thread has ended ({@link io.barge.core.Domain#start}), so a
     * count after a task's {@code get()} finds its ends quiescent.
     */
    @Override
    public boolean reclaim()
    {
        return tryRelease(true);
    }

    /**
     * @return whether the release has run (now or before).
     */
    private boolean tryRelease(final boolean lazy)
    {
        final boolean addReclaimer;
        final boolean runNow;
        synchronized (this)
        {
            if (released)
            {
                return true;
            }
            if (!tornDown)
            {
                return false;
            }
            boolean all = true;
            for (final QuiescentEnd end : ends)
            {
                // Not short-circuited: every end found quiescent from here is recorded so, once and for all.
                all &= end.quiescentFromHere(lazy);
            }
            released = all;
            runNow = all;
            addReclaimer = !all && !reclaimerAdded;
            reclaimerAdded |= addReclaimer;
        }
        if (addReclaimer)
        {
            kernel.addPinReclaimer(this);
        }
        if (runNow)
        {
            release.run(); // only the caller that saw every end quiescent first gets here
        }
        return runNow;
    }
}
