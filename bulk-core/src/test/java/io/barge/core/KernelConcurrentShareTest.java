package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Share offers live in stripes by frame and never take the kernel's monitor: several owner/grantee pairs offer,
 * accept, withdraw, free and transfer at once, and every offer still ends exactly once (used, withdrawn, or swept by
 * the free or transfer of its frame), no grantee maps a frame through an offer its frame's owner no longer stands
 * behind, and the counts come out exact.
 */
class KernelConcurrentShareTest
{
    private static final int THREADS = 3;
    private static final int FRAMES = 8;
    private static final int ROUNDS = 4_000;
    private static final long VA = 0x100_000L;

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(256);
        kernel = new Kernel(memory, 1 << 12, 64);
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
    void pairsOfferAcceptWithdrawFreeAndTransferAtOnceAndEveryOfferEndsOnce() throws Exception
    {
        final long seed = System.nanoTime();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] workers = new Thread[THREADS];
        final long[] offers = new long[THREADS];
        final Domain[] owners = new Domain[THREADS];
        final Domain[] heirs = new Domain[THREADS];
        final Domain[] grantees = new Domain[THREADS];
        for (int t = 0; t < THREADS; t++)
        {
            owners[t] = kernel.createDomain("owner" + t);
            heirs[t] = kernel.createDomain("heir" + t);
            grantees[t] = kernel.createDomain("grantee" + t);
        }
        for (int t = 0; t < THREADS; t++)
        {
            final int me = t;
            workers[t] = new Thread(() ->
            {
                try
                {
                    start.await();
                    offers[me] = run(new SplittableRandom(seed + me), owners[me], heirs[me], grantees[me]);
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "share-" + t);
            workers[t].start();
        }
        start.countDown();
        for (final Thread worker : workers)
        {
            worker.join(25_000);
            assertFalse(worker.isAlive(), "a worker is stuck (seed " + seed + ")");
        }
        assertNull(failure.get(), () -> "seed " + seed + ": " + failure.get());
        assertEquals(0, kernel.pendingShares(), "every offer ended (seed " + seed + ")");
        for (int t = 0; t < THREADS; t++)
        {
            assertEquals(offers[t], owners[t].counter(CounterType.SHARES_OFFERED), "offers counted (seed " + seed + ")");
            assertEquals(-1, grantees[t].addressSpace().frameAt(VA), "nothing left mapped");
        }
    }

    /**
     * One pair's rounds; returns how many offers the owner made. Each round offers one of the owner's frames and ends
     * the offer one way: accepted (then unmapped), withdrawn, swept by a free, or swept by a transfer to the heir.
     */
    private long run(final SplittableRandom random, final Domain owner, final Domain heir, final Domain grantee)
    {
        final int[] frames = new int[FRAMES];
        kernel.allocateFrames(owner, FRAMES, false, frames);
        final long address = VA;
        long offers = 0;
        for (int round = 0; round < ROUNDS; round++)
        {
            final int i = random.nextInt(FRAMES);
            final long capability = kernel.offerShare(owner, frames[i], grantee, Rights.READ);
            offers++;
            switch (random.nextInt(4))
            {
                case 0:
                    assertEquals(frames[i], kernel.acceptShare(grantee, capability, address, Rights.READ));
                    assertEquals(frames[i], kernel.unmap(grantee, address));
                    assertThrows(InvalidCapabilityException.class,
                        () -> kernel.acceptShare(grantee, capability, address, Rights.READ), "used once");
                    break;
                case 1:
                    if (!kernel.withdrawShare(owner, capability))
                    {
                        fail("a pending offer could not be withdrawn");
                    }
                    assertFalse(kernel.withdrawShare(owner, capability), "withdrawn once");
                    break;
                case 2:
                    kernel.freeFrame(owner, frames[i]);
                    frames[i] = kernel.allocateFrame(owner, false);
                    assertThrows(InvalidCapabilityException.class,
                        () -> kernel.acceptShare(grantee, capability, address, Rights.READ), "swept by the free");
                    break;
                default:
                    kernel.transferFrame(owner, frames[i], heir);
                    assertThrows(InvalidCapabilityException.class,
                        () -> kernel.acceptShare(grantee, capability, address, Rights.READ), "swept by the transfer");
                    kernel.freeFrame(heir, frames[i]);
                    frames[i] = kernel.allocateFrame(owner, false);
                    break;
            }
            assertEquals(-1, grantee.addressSpace().frameAt(address));
        }
        return offers;
    }
}
