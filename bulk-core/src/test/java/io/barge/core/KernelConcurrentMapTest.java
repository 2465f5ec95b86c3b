package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A domain's map, unmap, protect and flush take only its page-table lock: several domains change their own page
 * tables at once while frames are allocated and freed under the kernel's monitor, and still no mapping outlives the
 * free of its frame, every map count and counter is exact, and teardown returns every frame.
 */
class KernelConcurrentMapTest
{
    private static final int THREADS = 3;
    private static final int ROUNDS = 3_000;

    private PhysicalMemory memory;
    private Kernel kernel;
    private int startFree;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(256);
        kernel = new Kernel(memory, 1 << 12, 64);
        startFree = kernel.freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "kernel close returns every frame");
        memory.close();
    }

    @Test
    @Timeout(30)
    void domainsMapUnmapAndFreeTheirOwnFramesAtOnceWithExactCounts() throws Exception
    {
        final long seed = System.nanoTime();
        final Domain[] domains = new Domain[THREADS];
        for (int t = 0; t < THREADS; t++)
        {
            domains[t] = kernel.createDomain("d" + t);
        }
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[THREADS];
        final long[] maps = new long[THREADS];
        for (int t = 0; t < THREADS; t++)
        {
            final int me = t;
            workers[t] = new Thread(() ->
            {
                final SplittableRandom random = new SplittableRandom(seed + me);
                final Domain domain = domains[me];
                final long va = kernel.reserve(domain, 4);
                try
                {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++)
                    {
                        final int frame = kernel.allocateFrame(domain, false);
                        final int pages = 1 + random.nextInt(4);
                        for (int p = 0; p < pages; p++)
                        {
                            kernel.map(domain, va + (long)p * memory.frameSize(), frame, Rights.READ_WRITE);
                            maps[me]++;
                        }
                        if (kernel.mapCountOf(frame) != pages)
                        {
                            throw new AssertionError("map count " + kernel.mapCountOf(frame) + " != " + pages);
                        }
                        domain.addressSpace().putLong(va, i);
                        kernel.protect(domain, va, Rights.READ);
                        if (random.nextBoolean())
                        {
                            for (int p = 0; p < pages; p++)
                            {
                                kernel.unmap(domain, va + (long)p * memory.frameSize());
                            }
                            kernel.flush(domain);
                        }
                        kernel.freeFrame(domain, frame); // unmaps whatever is still mapped
                        if (domain.addressSpace().frameAt(va) != -1 || kernel.mapCountOf(frame) < 0)
                        {
                            throw new AssertionError("a mapping outlived its frame's free");
                        }
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
        assertNull(failure.get(), () -> "seed " + seed + ": worker failed: " + failure.get());
        for (int t = 0; t < THREADS; t++)
        {
            assertEquals(ROUNDS, domains[t].counter(CounterType.FRAMES_ALLOCATED));
            assertEquals(ROUNDS, domains[t].counter(CounterType.FRAMES_FREED));
            assertEquals(ROUNDS, domains[t].counter(CounterType.PROTECTION_CHANGES));
            // A map, a protect, and an unmap (by the domain or by the free) per page: each one page-table update.
            assertEquals(2 * maps[t] + ROUNDS, domains[t].counter(CounterType.PAGE_TABLE_UPDATES), "seed " + seed);
        }
        for (int frame = 0; frame < memory.frameCount(); frame++)
        {
            assertEquals(0, kernel.mapCountOf(frame), "frame " + frame);
        }
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    @Timeout(30)
    void anOwnersMapRacingAFreeOfTheFrameLeavesNoMappingBehind() throws Exception
    {
        final Domain owner = kernel.createDomain("owner");
        final long va = kernel.reserve(owner, 1);
        for (int round = 0; round < ROUNDS / 10; round++)
        {
            final int frame = kernel.allocateFrame(owner, false);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final boolean[] mapped = new boolean[1];
            final Thread mapper = new Thread(() ->
            {
                try
                {
                    start.await();
                    kernel.map(owner, va, frame, Rights.READ_WRITE);
                    mapped[0] = true;
                }
                catch (final FrameOwnershipException freedFirst)
                {
                    mapped[0] = false;
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            mapper.start();
            start.countDown();
            kernel.freeFrame(owner, frame);
            mapper.join();
            assertNull(failure.get(), () -> "mapper failed: " + failure.get());
            assertEquals(-1, owner.addressSpace().frameAt(va), "round " + round + ", mapped=" + mapped[0] +
                ": a mapping of a freed frame");
            assertEquals(0, kernel.mapCountOf(frame));
        }
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    @Timeout(30)
    void aMapRacingItsDomainsDestructionLeavesNoCountBehind() throws Exception
    {
        for (int round = 0; round < ROUNDS / 10; round++)
        {
            final Domain dying = kernel.createDomain("dying-" + round);
            final long va = kernel.reserve(dying, 1);
            final int frame = kernel.allocateFrame(dying, false);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread mapper = new Thread(() ->
            {
                try
                {
                    start.await();
                    kernel.map(dying, va, frame, Rights.READ_WRITE);
                }
                catch (final IllegalStateException dead)
                {
                    // destroyed first (a FrameOwnershipException is one too: the frame went with its owner)
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            mapper.start();
            start.countDown();
            kernel.destroyDomain(dying);
            mapper.join();
            assertNull(failure.get(), () -> "mapper failed: " + failure.get());
            assertEquals(0, kernel.mapCountOf(frame), "round " + round);
            assertEquals(-1, dying.addressSpace().frameAt(va));
            assertEquals(startFree, kernel.freeFrames(), "round " + round);
        }
    }
}
