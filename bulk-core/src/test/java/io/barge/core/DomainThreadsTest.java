package io.barge.core;

import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Message;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Domain#start}: a domain's threads give their task's result or failure, and end before the domain's memory
 * goes — destroying the domain (or closing the kernel) closes its channels, interrupts its threads and waits for
 * them.
 */
@Timeout(30)
class DomainThreadsTest
{
    private static final ChannelConfig SMALL = new ChannelConfig(4096, 4, ChannelConfig.Notification.UMP);

    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        kernel = Kernel.withMemoryMiB(4);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
    }

    @Test
    void aTaskGivesItsResultOrItsFailure() throws Exception
    {
        final Domain domain = kernel.createDomain("d");
        assertEquals("d", domain.start(() -> Thread.currentThread().getName().substring(0, 1)).get());
        final IllegalStateException boom = new IllegalStateException("boom");
        final Future<?> failing = domain.start(() ->
        {
            throw boom;
        });
        assertSame(boom, assertThrows(ExecutionException.class, failing::get).getCause());
    }

    @Test
    void aResultIsHandedOutOnlyOnceTheTaskThreadHasEnded() throws Exception
    {
        final Domain domain = kernel.createDomain("d");
        final AtomicReference<Thread> ran = new AtomicReference<>();
        final AtomicReference<Boolean> aliveWhenGetReturned = new AtomicReference<>();
        final Thread getter;
        // A thread cannot finish ending while its thread group's monitor is held (Thread.exit tells the group):
        // the domain thread stays alive after its task, for as long as this block runs.
        synchronized (Thread.currentThread().getThreadGroup())
        {
            final Future<String> future = domain.start(() ->
            {
                ran.set(Thread.currentThread());
                return "done";
            });
            getter = new Thread(() ->
            {
                try
                {
                    assertEquals("done", future.get());
                    aliveWhenGetReturned.set(ran.get().isAlive());
                }
                catch (final Exception ex)
                {
                    throw new AssertionError(ex);
                }
            }, "getter");
            getter.setDaemon(true);
            getter.start();
            while (!future.isDone())
            {
                spin();
            }
            // Either get() returned already (the domain thread cannot have ended: the test fails below), or the
            // getter waits in a join for the thread to end. (Neither the getter nor the domain thread can end while
            // this block holds the group's monitor; the wait is bounded by the getter's state, not by time.)
            while (aliveWhenGetReturned.get() == null && !inJoin(getter))
            {
                spin();
            }
        }
        getter.join();
        assertEquals(Boolean.FALSE, aliveWhenGetReturned.get(), "get() returned while the task's thread was alive");
    }

    /** A spin the class's timeout can stop (it interrupts this thread). */
    private static void spin() throws InterruptedException
    {
        if (Thread.interrupted())
        {
            throw new InterruptedException("timed out");
        }
        Thread.onSpinWait();
    }

    private static boolean inJoin(final Thread thread)
    {
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            if (frame.getClassName().equals(Thread.class.getName()) && frame.getMethodName().equals("join"))
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void destroyingADomainInterruptsItsThreadsAndWaitsForThem() throws Exception
    {
        final Domain domain = kernel.createDomain("d");
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final Future<?> blocked = domain.start(() ->
        {
            thread.set(Thread.currentThread());
            new CountDownLatch(1).await(); // only an interrupt ends this
            return null;
        });
        kernel.destroyDomain(domain);
        assertTrue(blocked.isDone(), "the destroy returned before its thread ended");
        assertFalse(thread.get().isAlive());
        assertInstanceOf(InterruptedException.class, assertThrows(ExecutionException.class, blocked::get).getCause());
    }

    @Test
    void aThreadWaitingOnAChannelEndsWithItsDomainAndTheMemoryOutlivesIt() throws Exception
    {
        final Domain a = kernel.createDomain("a");
        final Domain b = kernel.createDomain("b");
        final int free = kernel.freeFrames();
        try (Transport copy = Transports.create(kernel, "copy", Map.of()))
        {
            final Channel channel = copy.open(a, b, SMALL);
            final Message message = channel.receiver().newMessage();
            final Future<Integer> waiting = b.start(() -> channel.receiver().receive(message, 1, TimeUnit.HOURS));
            b.close(); // the transport closes b's channel; the receive ends; then b's frames go
            assertTrue(waiting.isDone());
            assertInstanceOf(ChannelClosedException.class,
                assertThrows(ExecutionException.class, waiting::get).getCause());
            assertFalse(channel.isOpen());
        }
        assertEquals(free, kernel.freeFrames());
    }

    @Test
    void closingTheKernelWaitsForEveryDomainsThreads()
    {
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final Future<?> blocked = kernel.createDomain("d").start(() ->
        {
            thread.set(Thread.currentThread());
            new CountDownLatch(1).await();
            return null;
        });
        kernel.close();
        assertTrue(blocked.isDone());
        assertFalse(thread.get().isAlive());
    }

    @Test
    void aThreadThatDestroysItsOwnDomainIsNotWaitedFor() throws Exception
    {
        final Domain domain = kernel.createDomain("d");
        final Future<String> suicide = domain.start(() ->
        {
            domain.close();
            return "done";
        });
        assertEquals("done", suicide.get());
        assertFalse(domain.isAlive());
    }

    @Test
    void aDestroyedDomainStartsNoThread()
    {
        final Domain domain = kernel.createDomain("d");
        domain.close();
        assertThrows(IllegalStateException.class, () -> domain.start(() -> "never"));
        assertThrows(IllegalStateException.class, () -> domain.start(() -> { }));
    }

    @Test
    void theKernelDomainStartsNoThread()
    {
        assertThrows(IllegalArgumentException.class, () -> kernel.kernelDomain().start(() -> "never"));
    }
}
