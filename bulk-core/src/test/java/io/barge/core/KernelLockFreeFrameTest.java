package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Frames are allocated from per-domain caches and freed without the kernel's monitor or a sweep over every domain's
 * page-table lock: a frame is still never handed out twice, never reachable through a mapping or a cached
 * translation once its free returns, never leaked by a teardown racing an allocation, and the free count stays
 * exact.
 */
class KernelLockFreeFrameTest
{
    private static final long SECRET = 0x5EC2E7_5EC2E7L;

    private PhysicalMemory memory;
    private Kernel kernel;
    private int startFree;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(2048);
        kernel = new Kernel(memory, 1 << 12, 256);
        startFree = kernel.freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "kernel close returns every frame, cached ones too");
        memory.close();
    }

    @Test
    @Timeout(30)
    void aTranslationCachedBeforeAFreeNeverReachesTheReusedFrame() throws Exception
    {
        final Domain owner = kernel.createDomain("owner");
        final Domain grantee = kernel.createDomain("grantee");
        final long granteeVa = kernel.reserve(grantee, 1);
        final long ownerVa = kernel.reserve(owner, 1);
        final int rounds = 2_000;
        // Handshake words, one writer each: the round the grantee's mapping is up, the round the reader has read it
        // (so its translation cache holds it), the round its frame was freed and reused, the round the reader checked.
        final AtomicIntegerArray handshake = new AtomicIntegerArray(64);
        final int mapped = 0;
        final int read = 16;
        final int freed = 32;
        final int checked = 48;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            final AddressSpace space = grantee.addressSpace();
            try
            {
                for (int r = 1; r <= rounds; r++)
                {
                    while (handshake.get(mapped) < r)
                    {
                        Thread.onSpinWait();
                    }
                    // Keeps reading (and so walking and caching) while the main thread frees and reuses the frame.
                    boolean seen = false;
                    while (handshake.get(freed) < r)
                    {
                        try
                        {
                            space.getLong(granteeVa);
                            if (!seen)
                            {
                                seen = true;
                                handshake.set(read, r);
                            }
                        }
                        catch (final ProtectionFault ex)
                        {
                            if (!seen)
                            {
                                throw new AssertionError("round " + r + ": the mapping faulted before its free", ex);
                            }
                        }
                    }
                    // Every access that starts after the free returned must fault: no cached translation survives.
                    try
                    {
                        final long value = space.getLong(granteeVa);
                        throw new AssertionError("round " + r + ": read " + Long.toHexString(value) +
                            " through a mapping removed before the frame was reused");
                    }
                    catch (final ProtectionFault expected)
                    {
                        handshake.set(checked, r);
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
                handshake.set(checked, Integer.MAX_VALUE);
            }
        });
        reader.start();
        final IdleStrategy idle = new YieldingIdleStrategy();
        for (int r = 1; r <= rounds && failure.get() == null; r++)
        {
            final int frame = kernel.allocateFrame(owner, true);
            kernel.acceptShare(grantee, kernel.offerShare(owner, frame, grantee, Rights.READ), granteeVa, Rights.READ);
            handshake.set(mapped, r);
            while (handshake.get(read) < r && failure.get() == null)
            {
                idle.idle();
            }
            if ((r & 1) == 0)
            {
                kernel.unmap(grantee, granteeVa);
            }
            kernel.freeFrame(owner, frame); // odd rounds: still mapped, the free unmaps it
            final int again = kernel.allocateFrame(owner, false);
            assertEquals(frame, again, "the owner's frame cache hands the frame just freed out again");
            kernel.map(owner, ownerVa, again, Rights.READ_WRITE);
            owner.addressSpace().putLong(ownerVa, SECRET);
            handshake.set(freed, r);
            while (handshake.get(checked) < r)
            {
                idle.idle();
            }
            kernel.unmap(owner, ownerVa);
            kernel.freeFrame(owner, again);
        }
        handshake.set(mapped, Integer.MAX_VALUE);
        handshake.set(freed, Integer.MAX_VALUE);
        reader.join();
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    @Timeout(30)
    void aMapRacingAFreeOnAnotherThreadLeavesNoMappingOfTheFreedFrame() throws Exception
    {
        final Domain owner = kernel.createDomain("owner");
        final long va = kernel.reserve(owner, 1);
        final int rounds = 5_000;
        final AtomicIntegerArray target = new AtomicIntegerArray(16); // [0]: the frame to map, -1 to stop
        target.set(0, -2);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread mapper = new Thread(() ->
        {
            try
            {
                int frame;
                while ((frame = target.get(0)) != -1)
                {
                    if (frame < 0)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    try
                    {
                        kernel.map(owner, va, frame, Rights.READ_WRITE);
                        kernel.unmap(owner, va);
                    }
                    catch (final IllegalStateException raced)
                    {
                        // The frame was freed (and perhaps reused) under the map, or the free removed the mapping
                        // before this unmap: both are the race this test provokes.
                    }
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        });
        mapper.start();
        for (int r = 0; r < rounds && failure.get() == null; r++)
        {
            final int frame = kernel.allocateFrame(owner, false);
            target.set(0, frame);
            for (int spin = 0; spin < (r & 63); spin++)
            {
                Thread.onSpinWait();
            }
            kernel.freeFrame(owner, frame);
            target.set(0, -2);
            // The mapper may be inside a map of the frame now: it must back out, never leave an entry.
            assertNotEquals(frame, owner.addressSpace().frameAt(va), "round " + r + ": a free frame is mapped");
            assertEquals(-1, kernel.ownerOf(frame));
        }
        target.set(0, -1);
        mapper.join();
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals(-1, owner.addressSpace().frameAt(va), "the mapper's last map was undone");
        for (int frame = 0; frame < memory.frameCount(); frame++)
        {
            assertEquals(0, kernel.mapCountOf(frame), "frame " + frame + " map count");
        }
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    @Timeout(30)
    void domainsAllocatingAndFreeingAtOnceNeverShareAFrame() throws Exception
    {
        final int threads = 3;
        final int rounds = 20_000;
        final long seed = System.nanoTime();
        final AtomicIntegerArray holder = new AtomicIntegerArray(memory.frameCount());
        final Domain[] domains = new Domain[threads];
        for (int t = 0; t < threads; t++)
        {
            domains[t] = kernel.createDomain("d" + t);
        }
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int me = t + 1;
            final Domain domain = domains[t];
            workers[t] = new Thread(() ->
            {
                final SplittableRandom random = new SplittableRandom(seed + me);
                final int[] held = new int[200]; // more than a cache holds: refills and spills both run
                int count = 0;
                try
                {
                    start.await();
                    for (int i = 0; i < rounds; i++)
                    {
                        if (count < held.length && (count == 0 || random.nextInt(3) != 0))
                        {
                            final int frame = kernel.allocateFrame(domain, false);
                            if (!holder.compareAndSet(frame, 0, me))
                            {
                                throw new AssertionError("seed " + seed + ": frame " + frame + " handed to domain " +
                                    me + " while domain " + holder.get(frame) + " holds it");
                            }
                            assertEquals(domain.id(), kernel.ownerOf(frame));
                            held[count++] = frame;
                        }
                        else
                        {
                            final int at = random.nextInt(count);
                            final int frame = held[at];
                            held[at] = held[--count];
                            holder.set(frame, 0); // before the free: once freed, another domain may get it
                            kernel.freeFrame(domain, frame);
                        }
                    }
                    while (count > 0)
                    {
                        final int frame = held[--count];
                        holder.set(frame, 0);
                        kernel.freeFrame(domain, frame);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join();
        }
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get());
        }
        assertEquals(startFree, kernel.freeFrames(), "cached frames count as free");
        final long allocated = domains[0].counter(CounterType.FRAMES_ALLOCATED) +
            domains[1].counter(CounterType.FRAMES_ALLOCATED) + domains[2].counter(CounterType.FRAMES_ALLOCATED);
        final long freedCount = domains[0].counter(CounterType.FRAMES_FREED) +
            domains[1].counter(CounterType.FRAMES_FREED) + domains[2].counter(CounterType.FRAMES_FREED);
        assertEquals(allocated, freedCount, "every allocation counted, every free counted");
        assertTrue(allocated > rounds, "seed " + seed + ": allocated " + allocated);
    }

    @Test
    @Timeout(30)
    void aTeardownRacingAnAllocationLeaksNoFrame() throws Exception
    {
        for (int r = 0; r < 300; r++)
        {
            final Domain doomed = kernel.createDomain("doomed-" + r);
            final CountDownLatch running = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread allocator = new Thread(() ->
            {
                running.countDown();
                try
                {
                    while (true)
                    {
                        kernel.allocateFrame(doomed, false);
                    }
                }
                catch (final IllegalStateException dead)
                {
                    // The teardown won: this allocation is refused (and undone if it was already published).
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            allocator.start();
            running.await();
            for (int spin = 0; spin < r * 10; spin++)
            {
                Thread.onSpinWait();
            }
            kernel.destroyDomain(doomed);
            allocator.join();
            if (failure.get() != null)
            {
                throw new AssertionError("round " + r, failure.get());
            }
            assertEquals(startFree, kernel.freeFrames(), "round " + r + ": every frame came back");
        }
    }

    @Test
    @Timeout(30)
    void framesCachedByOneDomainAreHandedToAnotherWhenTheRestRunOut()
    {
        final Domain a = kernel.createDomain("a");
        final Domain b = kernel.createDomain("b");
        final int frame = kernel.allocateFrame(a, false);
        kernel.freeFrame(a, frame); // now in a's cache, off the global stack
        assertEquals(startFree, kernel.freeFrames());
        final int[] all = new int[startFree];
        kernel.allocateFrames(b, startFree, false, all); // needs every frame, the cached one too
        assertThrows(OutOfFramesException.class, () -> kernel.allocateFrame(a, false));
        assertEquals(0, kernel.freeFrames());
        for (final int f : all)
        {
            kernel.freeFrame(b, f);
        }
        assertEquals(startFree, kernel.freeFrames());
        // A run of every free frame: only there once the caches (b's holds some of them) are drained.
        final int first = kernel.allocateContiguousFrames(a, startFree, false);
        for (int f = first; f < first + startFree; f++)
        {
            assertEquals(a.id(), kernel.ownerOf(f));
        }
        assertEquals(0, kernel.freeFrames());
    }
}
