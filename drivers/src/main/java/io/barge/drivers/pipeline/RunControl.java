package io.barge.drivers.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the stages of one run share with the thread that waits for it: a latch the sink (or a failure) opens, and
 * the first failure with the stage that raised it. Stages stop working once the run has failed.
 */
final class RunControl
{
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean failed;
    private Throwable failure;
    private String failedStage;

    /**
     * Called by the sink at the end of the stream.
     */
    void complete()
    {
        done.countDown();
    }

    /**
     * Records a stage's error (the first one is kept) and wakes the waiting thread.
     *
     * @param stage the stage's role name.
     * @param error what went wrong.
     */
    void fail(final String stage, final Throwable error)
    {
        synchronized (this)
        {
            if (failure == null)
            {
                failure = error;
                failedStage = stage;
            }
        }
        failed = true;
        done.countDown();
    }

    /**
     * @return whether a stage has failed.
     */
    boolean hasFailed()
    {
        return failed;
    }

    /**
     * @return the first failure, or null.
     */
    synchronized Throwable failure()
    {
        return failure;
    }

    /**
     * @return the stage of the first failure, or null.
     */
    synchronized String failedStage()
    {
        return failedStage;
    }

    /**
     * @param timeoutNanos longest wait.
     * @return true if the run completed or failed, false on timeout.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    boolean await(final long timeoutNanos) throws InterruptedException
    {
        return done.await(timeoutNanos, TimeUnit.NANOSECONDS);
    }
}
