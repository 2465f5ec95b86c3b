package io.barge.grant;

import java.util.Queue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The bounded-thread helpers of this package's race tests: every wait has a timeout, and a failing thread's error is
 * collected for the test thread to report.
 */
final class Races
{
    private Races()
    {
    }

    /** Runs {@code body} once every party reached {@code start}, collecting whatever it throws into {@code errors}. */
    static void guarded(final Queue<Throwable> errors, final CyclicBarrier start, final Runnable body)
    {
        try
        {
            start.await(30, TimeUnit.SECONDS);
            body.run();
        }
        catch (final Throwable t)
        {
            errors.add(t);
        }
    }

    /** @return the body, breaking the barrier if it fails so that its partner stops waiting at once. */
    static Runnable breaking(final CyclicBarrier barrier, final Runnable body)
    {
        return () ->
        {
            try
            {
                body.run();
            }
            catch (final RuntimeException | Error ex)
            {
                barrier.reset();
                throw ex;
            }
        };
    }

    /** A bounded wait at a barrier (a broken-barrier or timeout exception fails the thread's test). */
    static void await(final CyclicBarrier barrier)
    {
        try
        {
            barrier.await(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("barrier: " + ex, ex);
        }
    }

    /** Joins every thread, each within {@code seconds}, failing with the name of one that did not finish. */
    static void joinAll(final Iterable<Thread> threads, final long seconds) throws InterruptedException
    {
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.SECONDS.toMillis(seconds));
            assertFalse(thread.isAlive(), thread.getName() + " finished");
        }
    }
}
