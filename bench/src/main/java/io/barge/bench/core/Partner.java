package io.barge.bench.core;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The second thread of a two-thread measurement: one long-lived thread that runs one task at a time, so that every
 * window of an alternating comparison uses the same pair of threads. Between tasks it backs off; while a task runs
 * the caller spins.
 */
final class Partner implements AutoCloseable
{
    private final Thread thread;
    private volatile Runnable task;
    private volatile Throwable failure;
    private volatile boolean running = true;
    private long lastTaskCpuNanos;
    private long lastTaskWallNanos;

    Partner()
    {
        thread = new Thread(this::loop, "barge-partner");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop()
    {
        final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
        while (running)
        {
            final Runnable current = task;
            if (current == null)
            {
                idle.idle();
                continue;
            }
            idle.reset();
            final long cpuStart = ThreadCpu.now();
            final long wallStart = System.nanoTime();
            try
            {
                current.run();
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
            lastTaskCpuNanos = ThreadCpu.now() - cpuStart;
            lastTaskWallNanos = System.nanoTime() - wallStart;
            task = null;
        }
    }

    /**
     * Hands the partner a task; the previous one must have finished.
     *
     * @param next what to run on the partner thread.
     */
    void start(final Runnable next)
    {
        if (task != null)
        {
            throw new IllegalStateException("partner is still running a task");
        }
        task = next;
    }

    /**
     * Spins until the current task has finished.
     *
     * @throws IllegalStateException if the task failed.
     */
    void awaitDone()
    {
        final IdleStrategy spin = BusySpinIdleStrategy.INSTANCE;
        while (task != null)
        {
            spin.idle();
        }
        final Throwable error = failure;
        if (error != null)
        {
            failure = null;
            throw new IllegalStateException("partner task failed: " + error, error);
        }
    }

    /**
     * @return the share of its wall time the last finished task had a CPU (0..1), or 1 if it was too short to tell;
     *         read after {@link #awaitDone()}.
     */
    double lastTaskCpuShare()
    {
        return ThreadCpu.share(lastTaskCpuNanos, lastTaskWallNanos);
    }

    @Override
    public void close()
    {
        running = false;
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
