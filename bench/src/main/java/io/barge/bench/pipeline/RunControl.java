package io.barge.bench.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the stages of one run share with the thread that waits for it: a latch the sink (or a failure) opens, and
 * the first failure. Stages stop working once the run has failed.
 */
final class RunControl
{
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean failed;

    /**
     * Called by the sink after the last message.
     */
    void complete()
    {
        done.countDown();
    }

    /**
     * Records a stage's error (the first one is kept) and wakes the waiting thread.
     *
     * @param error what went wrong.
     */
    void fail(final Throwable error)
    {
        failure.compareAndSet(null, error);
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
    Throwable failure()
    {
        return failure.get();
    }

    /**
     * @param timeoutSeconds longest wait.
     * @return true if the run completed or failed, false on timeout.
     * @throws InterruptedException if the waiting thread is interrupted.
     */
    boolean await(final long timeoutSeconds) throws InterruptedException
    {
        return done.await(timeoutSeconds, TimeUnit.SECONDS);
    }
}
