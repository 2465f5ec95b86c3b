package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Virtual ranges are reserved off the kernel's monitor (a lock per private window, one for the global window):
 * reservations from several threads, into one domain or several and into the global window, never overlap, every
 * operation is counted, and everything released can be reserved again.
 */
class KernelConcurrentRangesTest
{
    private static final int THREADS = 4;
    private static final int EACH = 2_000;

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16);
        kernel = new Kernel(memory, 1 << 16, 16);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    @Timeout(20)
    void concurrentReservationsNeverOverlapAndAreAllCounted() throws Exception
    {
        final Domain shared = kernel.createDomain("shared");
        final Domain[] own = new Domain[THREADS];
        for (int t = 0; t < THREADS; t++)
        {
            own[t] = kernel.createDomain("own-" + t);
        }
        final long[][] sharedPages = new long[THREADS][EACH];
        final long[][] globalPages = new long[THREADS][EACH];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[THREADS];
        final int shift = memory.frameShift();
        for (int t = 0; t < THREADS; t++)
        {
            final int me = t;
            workers[t] = new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < EACH; i++)
                    {
                        sharedPages[me][i] = kernel.reserve(shared, 2) >>> shift;
                        globalPages[me][i] = kernel.reserveGlobal(1) >>> shift;
                        final long mine = kernel.reserve(own[me], 3);
                        kernel.unreserve(own[me], mine, 3);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join();
        }
        assertNull(failure.get(), () -> "worker failed: " + failure.get());

        final BitSet privateUsed = new BitSet();
        final BitSet globalUsed = new BitSet();
        for (int t = 0; t < THREADS; t++)
        {
            for (int i = 0; i < EACH; i++)
            {
                final int p = (int)sharedPages[t][i];
                assertFalse(privateUsed.get(p) || privateUsed.get(p + 1), "private pages handed out twice: " + p);
                privateUsed.set(p, p + 2);
                final int g = (int)globalPages[t][i];
                assertFalse(globalUsed.get(g), "global page handed out twice: " + g);
                assertTrue(kernel.isGlobal((long)g << shift));
                globalUsed.set(g);
            }
        }
        assertEquals((long)THREADS * EACH, shared.counter(CounterType.VIRTUAL_RANGE_OPS));
        for (int t = 0; t < THREADS; t++)
        {
            assertEquals(2L * EACH, own[t].counter(CounterType.VIRTUAL_RANGE_OPS), "reserve and unreserve counted");
            for (int i = 0; i < EACH; i++)
            {
                kernel.unreserve(shared, sharedPages[t][i] << shift, 2);
                kernel.unreserveGlobal(globalPages[t][i] << shift, 1);
            }
        }
        final long all = kernel.reserve(shared, 2 * THREADS * EACH);
        assertTrue(all > 0, "every released page is free again, as one run");
        final long global = kernel.reserveGlobal(THREADS * EACH);
        assertTrue(kernel.isGlobal(global));
    }
}
