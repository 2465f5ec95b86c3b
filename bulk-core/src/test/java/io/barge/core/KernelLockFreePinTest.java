package io.barge.core;

import io.barge.core.device.DeviceCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The lock-free pin word: pins, DMA holds and unpins race frees, the death of an owner and each other without the
 * kernel's monitor, and still a frame is never freed while pinned or held, the last unpin of an orphan frees it once,
 * and every pin is counted. The races here are run by real threads for a bounded number of rounds; the exhaustive
 * interleavings are the jcstress tests in bulk-jcstress ({@code io.barge.core.KernelPinStress}).
 */
class KernelLockFreePinTest
{
    private static final int ROUNDS = 200;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain owner;
    private Domain driver;
    private int startFree;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory, 1 << 12, 4096);
        owner = kernel.createDomain("owner");
        driver = kernel.createDomain("driver");
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
    void aHoldNeedsAPinAndWrapsTheFrameOnlyWhenItHolds()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final UnsafeBuffer view = new UnsafeBuffer(new byte[1]);
        assertFalse(kernel.holdPinnedForDma(frame, view), "an unpinned frame is refused");
        assertEquals(1, view.capacity(), "the view is left as it was");
        assertEquals(0, kernel.pinCountOf(frame));

        kernel.pinFrame(owner, frame);
        assertTrue(kernel.holdPinnedForDma(frame, view));
        assertEquals(memory.frameSize(), view.capacity());
        assertEquals(2, kernel.pinCountOf(frame));
        view.putLong(0, 42L);
        kernel.unpinFrame(frame);
        kernel.unpinFrame(frame);
        assertEquals(0, kernel.pinCountOf(frame));
        assertThrows(IllegalStateException.class, () -> kernel.unpinFrame(frame));
        kernel.freeFrame(owner, frame);
        assertFalse(kernel.holdPinnedForDma(frame), "a free frame is refused");
        assertThrows(IllegalStateException.class, () -> kernel.unpinFrame(frame), "a free frame is not pinned");
        assertThrows(FrameOwnershipException.class, () -> kernel.pinFrame(owner, frame));
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    void aDmaPinOfAFrameFreedAndReallocatedFaultsAndLeavesTheNewOwnerFreeToFreeIt()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(driver, 1);
        kernel.acceptShare(driver, kernel.offerShare(owner, frame, driver, Rights.READ_WRITE), va, Rights.READ_WRITE);
        assertEquals(frame, kernel.pinMappedForDma(driver, va, Access.WRITE));
        kernel.unpinFrame(frame);
        kernel.freeFrame(owner, frame); // unmaps it from the driver

        final Domain next = kernel.createDomain("next");
        // The freed frame sits in its owner's frame cache; another domain gets it once the free lists run dry (the
        // kernel then drains every cache), so take every free frame until it comes.
        final int free = kernel.freeFrames();
        final int[] taken = new int[free];
        int count = 0;
        while (count == 0 || taken[count - 1] != frame)
        {
            assertTrue(count < free, "the freed frame is handed out again");
            taken[count++] = kernel.allocateFrame(next, false);
        }
        assertThrows(ProtectionFault.class, () -> kernel.pinMappedForDma(driver, va, Access.READ));
        assertEquals(0, kernel.pinCountOf(frame), "the faulted pin left nothing behind");
        for (int i = 0; i < count; i++)
        {
            kernel.freeFrame(next, taken[i]);
        }
        assertEquals(1, driver.counter(DeviceCounters.DMA_PINS), "only the pin that succeeded is counted");
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    void aReadOnlyMappingGivesNoDmaPinForADeviceWrite()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(driver, 1);
        kernel.acceptShare(driver, kernel.offerShare(owner, frame, driver, Rights.READ), va, Rights.READ);
        assertThrows(ProtectionFault.class, () -> kernel.pinMappedForDma(driver, va, Access.WRITE));
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(frame, kernel.pinMappedForDma(driver, va, Access.READ));
        kernel.unpinFrame(frame);
        kernel.freeFrame(owner, frame);
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    void aDyingDriverGetsNoPin()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(driver, 1);
        kernel.acceptShare(driver, kernel.offerShare(owner, frame, driver, Rights.READ_WRITE), va, Rights.READ_WRITE);
        kernel.destroyDomain(driver);
        assertThrows(IllegalStateException.class, () -> kernel.pinMappedForDma(driver, va, Access.READ));
        assertEquals(0, kernel.pinCountOf(frame));
        kernel.freeFrame(owner, frame);
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    void aSecondFreeOfAFrameIsRefusedByPhysicalMemory()
    {
        final PhysicalMemory small = PhysicalMemory.allocateDirect(4);
        try
        {
            final int frame = small.allocateFrame();
            small.freeFrame(frame);
            assertThrows(IllegalStateException.class, () -> small.freeFrame(frame));
            assertEquals(4, small.freeFrames(), "the refused free did not push the frame twice");
            final int first = small.allocateRun(2);
            small.freeFrame(first + 1);
            assertThrows(IllegalStateException.class, () -> small.freeFrame(first + 1));
            small.freeFrame(first);
            assertEquals(4, small.freeFrames());
        }
        finally
        {
            small.close();
        }
    }

    @Test
    @Timeout(20)
    void holdsRacingTheLastUnpinOfAnOrphanNeverSeeItFreedAndItIsFreedOnce() throws Exception
    {
        for (int round = 0; round < ROUNDS; round++)
        {
            final Domain dying = kernel.createDomain("dying-" + round);
            final int frame = kernel.allocateFrame(dying, true);
            kernel.pinFrame(dying, frame);
            kernel.destroyDomain(dying);
            assertEquals(Kernel.KERNEL_DOMAIN_ID, kernel.ownerOf(frame), "orphaned, kept by the kernel");
            final long freedBefore = kernel.kernelDomain().counter(CounterType.FRAMES_FREED);
            final AtomicInteger freedWhileHeld = new AtomicInteger();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread device = new Thread(() ->
            {
                try
                {
                    start.await();
                    while (kernel.holdPinnedForDma(frame))
                    {
                        if (kernel.ownerOf(frame) != Kernel.KERNEL_DOMAIN_ID || kernel.pinCountOf(frame) < 1)
                        {
                            freedWhileHeld.incrementAndGet();
                        }
                        kernel.unpinFrame(frame);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            device.start();
            start.countDown();
            kernel.unpinFrame(frame); // the last pin; the device's holds may make its own unpin the last
            device.join();

            assertNull(failure.get(), () -> "device thread failed: " + failure.get());
            assertEquals(0, freedWhileHeld.get(), "a held frame was freed");
            assertEquals(-1, kernel.ownerOf(frame), "the orphan is free once no pin holds it");
            assertEquals(freedBefore + 1, kernel.kernelDomain().counter(CounterType.FRAMES_FREED),
                "freed exactly once, round " + round);
            assertEquals(startFree, kernel.freeFrames(), "round " + round);
        }
    }

    @Test
    @Timeout(20)
    void pinsRacingAFreeEitherHoldTheFrameOrFailAndTheFreeHappensOnce() throws Exception
    {
        for (int round = 0; round < ROUNDS; round++)
        {
            final int frame = kernel.allocateFrame(owner, true);
            final long freedBefore = owner.counter(CounterType.FRAMES_FREED);
            final AtomicInteger freedWhilePinned = new AtomicInteger();
            final AtomicInteger pins = new AtomicInteger();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread pinner = new Thread(() ->
            {
                try
                {
                    start.await();
                    while (true)
                    {
                        try
                        {
                            kernel.pinFrame(owner, frame);
                        }
                        catch (final FrameOwnershipException freed)
                        {
                            return;
                        }
                        pins.incrementAndGet();
                        if (kernel.ownerOf(frame) != owner.id())
                        {
                            freedWhilePinned.incrementAndGet();
                        }
                        kernel.unpinFrame(frame);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            pinner.start();
            start.countDown();
            int refused = 0;
            while (true)
            {
                try
                {
                    kernel.freeFrame(owner, frame);
                    break;
                }
                catch (final FrameInUseException pinned)
                {
                    refused++;
                    Thread.onSpinWait();
                }
            }
            pinner.join();

            assertNull(failure.get(), () -> "pinner failed: " + failure.get());
            assertEquals(0, freedWhilePinned.get(), "a pinned frame was freed (refused frees: " + refused + ")");
            assertEquals(freedBefore + 1, owner.counter(CounterType.FRAMES_FREED));
            assertEquals(0, kernel.pinCountOf(frame));
            assertEquals(startFree, kernel.freeFrames(), "round " + round + " after " + pins.get() + " pins");
        }
    }

    @Test
    @Timeout(20)
    void dmaPinsFromSeveralThreadsAreAllCountedAndAllDropped() throws Exception
    {
        final int threads = 4;
        final int each = 5_000;
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(driver, 1);
        kernel.acceptShare(driver, kernel.offerShare(owner, frame, driver, Rights.READ_WRITE), va, Rights.READ_WRITE);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() ->
            {
                try
                {
                    start.await();
                    for (int i = 0; i < each; i++)
                    {
                        final int pinned = kernel.pinMappedForDma(driver, va, Access.WRITE);
                        if (!kernel.holdPinnedForDma(pinned))
                        {
                            throw new AssertionError("a pinned frame refused a hold");
                        }
                        kernel.unpinFrame(pinned);
                        kernel.unpinFrame(pinned);
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
        assertEquals((long)threads * each, driver.counter(DeviceCounters.DMA_PINS), "every pin counted once");
        assertEquals(0, kernel.pinCountOf(frame), "every pin dropped");
        kernel.freeFrame(owner, frame);
        assertEquals(startFree, kernel.freeFrames());
    }

    @Test
    @Timeout(20)
    void dmaPinsRacingAnUnmapAndFreeNeverPinAFreedFrame() throws Exception
    {
        final long va = kernel.reserve(driver, 1);
        for (int round = 0; round < ROUNDS; round++)
        {
            final int frame = kernel.allocateFrame(owner, true);
            kernel.acceptShare(driver, kernel.offerShare(owner, frame, driver, Rights.READ_WRITE), va,
                Rights.READ_WRITE);
            final AtomicInteger badPins = new AtomicInteger();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread pinner = new Thread(() ->
            {
                try
                {
                    start.await();
                    while (true)
                    {
                        final int pinned;
                        try
                        {
                            pinned = kernel.pinMappedForDma(driver, va, Access.WRITE);
                        }
                        catch (final ProtectionFault unmapped)
                        {
                            return;
                        }
                        if (pinned != frame || kernel.ownerOf(frame) != owner.id())
                        {
                            badPins.incrementAndGet();
                        }
                        kernel.unpinFrame(pinned);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            });
            pinner.start();
            start.countDown();
            while (true)
            {
                try
                {
                    kernel.freeFrame(owner, frame);
                    break;
                }
                catch (final FrameInUseException pinned)
                {
                    Thread.onSpinWait();
                }
            }
            pinner.join();
            assertNull(failure.get(), () -> "pinner failed: " + failure.get());
            assertEquals(0, badPins.get(), "a DMA pin reached a freed frame");
            assertEquals(-1, driver.addressSpace().frameAt(va), "the free unmapped it from the driver");
            assertEquals(startFree, kernel.freeFrames(), "round " + round);
        }
    }
}
