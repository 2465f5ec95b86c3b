package io.barge.fbufs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which thread is inside an operation of one fbuf end, or none. A teardown on another thread waits until no end is
 * inside an operation before it frees what the ends use (ring slots, in-flight records, fbufs), so an end never
 * touches memory a teardown freed.
 * <p>
 * Ordering (Dekker style, with the channel's open flag): an end stores its thread (volatile) and then reads the open
 * flag; a teardown clears the open flag and then reads the thread. Whichever comes second sees the other's store:
 * the end sees the channel closed, or the teardown sees the end inside and waits for {@link #exit}'s release.
 */
final class EndActivity
{
    private static final VarHandle THREAD;

    static
    {
        try
        {
            THREAD = MethodHandles.lookup().findVarHandle(EndActivity.class, "thread", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile Thread thread;

    /**
     * The calling thread enters an operation (a volatile store: visible before the end reads the open flag).
     */
    void enter()
    {
        thread = Thread.currentThread();
    }

    /**
     * The operation is over (a release store: a teardown that sees null sees every access the operation made).
     */
    void exit()
    {
        THREAD.setRelease(this, (Thread)null);
    }

    /**
     * @return the thread inside an operation, or null.
     */
    Thread thread()
    {
        return thread;
    }
}
