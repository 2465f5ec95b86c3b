package io.barge.core.notify;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The {@code thread} field every notification end keeps: the thread of its last call, the one word a teardown on
 * another thread reads to decide whether the end's frames may be freed now ({@link AbstractNotifyChannel}, class
 * comment). An end reads it plainly on every call and stores it (volatile) only when the calling thread changes, so
 * a steady-state call costs a load and a compare, no fence.
 */
final class EndThreads
{
    private EndThreads()
    {
    }

    /**
     * @param holder the class that declares a package-private {@code Thread thread} field.
     * @return a handle on that field.
     */
    static VarHandle handle(final Class<?> holder)
    {
        try
        {
            return MethodHandles.lookup().findVarHandle(holder, "thread", Thread.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }
}
