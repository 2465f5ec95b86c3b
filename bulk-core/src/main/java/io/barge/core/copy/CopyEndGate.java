package io.barge.core.copy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which thread is inside a call of one copy channel end, or none, so that a {@code close} on another thread frees
 * the staging, receive and pipe frames only once no end can touch them.
 * <p>
 * Ordering (Dekker, with the channel's volatile open flag): an end stores its thread (volatile), then reads the
 * open flag; a closer clears the open flag, then reads the thread. Whichever comes second sees the other's store:
 * the end sees the channel closed and touches nothing, or the closer sees the end inside and waits for
 * {@link #exit}'s release, which orders every access of the call before the frees.
 */
final class CopyEndGate
{
    private static final VarHandle THREAD;

    static
    {
        try
        {
            THREAD = MethodHandles.lookup().findVarHandle(CopyEndGate.class, "thread", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile Thread thread;

    void enter()
    {
        thread = Thread.currentThread();
    }

    void exit()
    {
        THREAD.setRelease(this, (Thread)null);
    }

    /**
     * @return whether a thread other than the caller is inside a call.
     */
    boolean busyElsewhere()
    {
        final Thread inside = thread;
        return inside != null && inside != Thread.currentThread();
    }
}
