package io.barge.core.transport.spi;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quiescent-state deferral: a teardown's release runs at once when every end is quiescent from the tearing-down
 * thread (its own thread, never called, or an ended thread), else at the last end's next call that sees the close,
 * or at the kernel's next count once the end's thread has ended; exactly once however the calls race.
 */
@Timeout(30)
class DeferralTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    /** The channel state the ends read after {@link QuiescentEnd#enter}, as a transport's own state word. */
    private volatile boolean closed;
    private final AtomicInteger releases = new AtomicInteger();

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** One call of an end as a transport makes it: record the thread, read the state, quiesce if closed. */
    private boolean call(final QuiescentEnd end)
    {
        end.enter();
        if (closed)
        {
            end.quiescent();
            return false;
        }
        return true;
    }

    private void close(final Deferral deferral)
    {
        closed = true;
        deferral.teardown();
    }

    @Test
    void aTeardownOnTheEndsOwnThreadReleasesAtOnceAndOnce()
    {
        final QuiescentEnd sender = new QuiescentEnd();
        final QuiescentEnd receiver = new QuiescentEnd();
        final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, sender, receiver);
        assertTrue(call(sender));
        assertTrue(call(receiver));
        assertSame(Thread.currentThread(), sender.lastThread());
        close(deferral);
        assertEquals(1, releases.get());
        assertTrue(deferral.isReleased());
        deferral.teardown();
        assertFalse(call(sender));
        assertEquals(1, releases.get(), "a later teardown or call releases nothing again");
        assertTrue(deferral.reclaim(), "the kernel forgets a released deferral");
    }

    @Test
    void endsNeverCalledAreQuiescent()
    {
        final QuiescentEnd a = new QuiescentEnd();
        final QuiescentEnd b = new QuiescentEnd();
        assertNull(a.lastThread());
        final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, a, b);
        assertFalse(deferral.reclaim(), "nothing to release before the teardown");
        close(deferral);
        assertEquals(1, releases.get());
    }

    @Test
    void anEndOnAnotherLiveThreadKeepsTheReleaseUntilItsNextCallSeesTheClose() throws Exception
    {
        final QuiescentEnd local = new QuiescentEnd();
        final QuiescentEnd remote = new QuiescentEnd();
        final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, local, remote);
        final CountDownLatch called = new CountDownLatch(1);
        final CountDownLatch callAgain = new CountDownLatch(1);
        final AtomicReference<Boolean> secondCall = new AtomicReference<>();
        final AtomicReference<Boolean> releasedOnItsThread = new AtomicReference<>();
        final Thread end = new Thread(() ->
        {
            call(remote);
            called.countDown();
            try
            {
                callAgain.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            secondCall.set(call(remote));
            releasedOnItsThread.set(deferral.isReleased());
        }, "remote end");
        end.start();
        assertTrue(called.await(10, TimeUnit.SECONDS));
        close(deferral);
        assertEquals(0, releases.get(), "the remote end may be inside a call: nothing released");
        kernel.freeFrames(); // the kernel's lazy pass: the remote thread is alive, still nothing
        assertEquals(0, releases.get());
        assertTrue(local.isQuiescent(), "the closing thread's own end is quiescent from here");
        assertFalse(remote.isQuiescent());
        callAgain.countDown();
        end.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(secondCall.get(), "the remote end's next call sees the close");
        assertTrue(releasedOnItsThread.get(), "and releases on its own thread");
        assertEquals(1, releases.get());
    }

    @Test
    void anEndWhoseThreadEndedIsReleasedAtTheKernelsNextCount() throws Exception
    {
        final QuiescentEnd remote = new QuiescentEnd();
        final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, remote);
        final CountDownLatch called = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final Thread end = new Thread(() ->
        {
            call(remote);
            called.countDown();
            try
            {
                finish.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "remote end");
        end.start();
        assertTrue(called.await(10, TimeUnit.SECONDS));
        close(deferral);
        assertEquals(0, releases.get());
        finish.countDown();
        end.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(0, releases.get(), "nobody asked yet");
        kernel.freeFrames();
        assertEquals(1, releases.get(), "the ended thread's end is quiescent at the kernel's lazy pass");
        kernel.freeFrames();
        assertEquals(1, releases.get());
    }

    @Test
    void aCloseOnAThreadThatEndedLongAgoDoesNotWait() throws Exception
    {
        final QuiescentEnd remote = new QuiescentEnd();
        final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, remote);
        final Thread end = new Thread(() -> call(remote), "remote end");
        end.start();
        end.join(TimeUnit.SECONDS.toMillis(10));
        close(deferral);
        assertEquals(1, releases.get());
    }

    @Test
    void aPartRecordFollowsItsEndsThreadButQuiescesOnItsOwn()
    {
        final QuiescentEnd sender = new QuiescentEnd();
        final QuiescentEnd link = new QuiescentEnd(sender);
        assertNull(link.lastThread());
        call(sender);
        assertSame(Thread.currentThread(), link.lastThread());
        link.quiescent();
        assertTrue(link.isQuiescent());
        assertFalse(sender.isQuiescent(), "the end goes on with its other parts");
    }

    @Test
    void racingEndsAndTeardownReleaseExactlyOnce() throws Exception
    {
        for (int round = 0; round < 200; round++)
        {
            closed = false;
            releases.set(0);
            final QuiescentEnd a = new QuiescentEnd();
            final QuiescentEnd b = new QuiescentEnd();
            final Deferral deferral = new Deferral(kernel, releases::incrementAndGet, a, b);
            final CyclicBarrier start = new CyclicBarrier(3);
            final Thread ta = new Thread(() -> spin(start, a), "a");
            final Thread tb = new Thread(() -> spin(start, b), "b");
            ta.start();
            tb.start();
            start.await(10, TimeUnit.SECONDS);
            close(deferral);
            ta.join(TimeUnit.SECONDS.toMillis(10));
            tb.join(TimeUnit.SECONDS.toMillis(10));
            kernel.freeFrames();
            assertEquals(1, releases.get(), "round " + round);
        }
    }

    private void spin(final CyclicBarrier start, final QuiescentEnd end)
    {
        try
        {
            start.await(10, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        while (call(end))
        {
            Thread.onSpinWait();
        }
    }
}
