package io.barge.core;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a task run on a domain thread of its own ({@link Domain#start}): {@code get()} hands out the result
 * only once the thread has ended (a timed {@code get} waits for the exit within what is left of its timeout). A plain {@link FutureTask} hands out its result while its thread is still on its way out, and a
 * thread that has not ended still counts as one that may be inside a call of the ends it used (the transports'
 * quiescent-state deferral returns those ends' frames once their threads have ended), so a caller that counts
 * frames after {@code get()} would race the thread's exit.
 *
 * @param <T> the task's result.
 */
final class DomainTask<T> extends FutureTask<T>
{
    private volatile Thread thread;

    DomainTask(final Callable<T> task)
    {
        super(task);
    }

    /** Names the thread that runs the task, before it starts. */
    void runOn(final Thread thread)
    {
        this.thread = thread;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException
    {
        try
        {
            return super.get();
        }
        finally
        {
            awaitExit(Long.MAX_VALUE);
        }
    }

    @Override
    public T get(final long timeout, final TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        try
        {
            return super.get(timeout, unit);
        }
        finally
        {
            if (isDone())
            {
                awaitExit(deadline - System.nanoTime());
            }
        }
    }

    private void awaitExit(final long nanos) throws InterruptedException
    {
        final Thread t = thread;
        // A cancelled task that never started leaves its thread to end on its own; nothing ran that could matter.
        if (t != null && t != Thread.currentThread() && isDone() && nanos > 0)
        {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        }
    }
}
