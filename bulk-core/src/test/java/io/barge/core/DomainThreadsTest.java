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
