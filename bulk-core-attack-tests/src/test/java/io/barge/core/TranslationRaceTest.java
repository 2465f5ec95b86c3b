package io.barge.core;

import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8, item 8 (core): teardown races against the translation cache and {@link Kernel#copy}. Two threads, a
 * bounded number of rounds; each assertion is about what must never happen in any interleaving.
 */
@Timeout(60)
class TranslationRaceTest
{
    private static final int ROUNDS = 20_000;
    /** The stale-entry window is a few instructions wide: more rounds so that the unfixed kernel fails reliably. */
    private static final int TLB_ROUNDS = 50_000;
    private static final long SECRET = 0x5EC2_E700_0000_0000L;

    private PhysicalMemory memory;
    private Kernel kernel;
    private LeakCheck leaks;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory, 1 << 12, 8);
        leaks = LeakCheck.of(kernel);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /**
     * A victim keeps reading a page while the kernel unmaps it, frees the frame and hands it to a stranger who
     * writes a secret. A read that starts after the secret was published (by the reader, or by the kernel thread
     * itself) must fault: no translation cached by a walk that raced the unmap may reach the frame once reused.
     */
    @Test
    void aFreedFrameIsNeverReachedThroughACachedTranslation() throws Exception
    {
        final Domain victim = kernel.createDomain("victim");
        final Domain stranger = kernel.createDomain("stranger");
        // A second page in the same slot of the direct-mapped translation cache (64 pages on): the kernel thread
        // reads it just before each unmap, so the reader's next read of the first page walks the page table while
        // the unmap runs.
        final long va = kernel.reserve(victim, 65);
        final long evictor = va + 64L * memory.frameSize();
        kernel.map(victim, evictor, kernel.allocateFrame(victim, true), Rights.READ);
        final long strangerVa = kernel.reserve(stranger, 1);
        final AtomicLong published = new AtomicLong(-1);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> leak = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            final AddressSpace space = victim.addressSpace();
            while (!stop.get())
            {
                final long round = published.get(); // read before the access starts
                try
                {
                    final long value = space.getLong(va);
                    if ((value & 0xFFFF_FFFF_0000_0000L) == SECRET && (value & 0xFFFF_FFFFL) <= round)
                    {
                        leak.compareAndSet(null, "victim read the stranger's secret of round " +
                            (value & 0xFFFF_FFFFL) + " after round " + round + " was published");
                    }
                }
                catch (final ProtectionFault expected)
                {
                    // unmapped: the right answer while the page is away
                }
            }
        }, "victim-reader");
        reader.start();
        try
        {
            for (int round = 0; round < TLB_ROUNDS && leak.get() == null; round++)
            {
                final int frame = kernel.allocateFrame(victim, true);
                kernel.map(victim, va, frame, Rights.READ_WRITE);
                victim.addressSpace().getLong(evictor);
                kernel.unmap(victim, va);
                kernel.freeFrame(victim, frame);
                final int reused = kernel.allocateFrame(stranger, false);
                kernel.map(stranger, strangerVa, reused, Rights.READ_WRITE);
                stranger.addressSpace().putLong(strangerVa, SECRET | round);
                published.set(round);
                try
                {
                    final long value = victim.addressSpace().getLong(va);
                    leak.compareAndSet(null, "round " + round + ": the victim's unmapped page still reads 0x" +
                        Long.toHexString(value) + " (frame " + reused + ", now the stranger's)");
                }
                catch (final ProtectionFault expected)
                {
                    // the page is unmapped and nothing cached still reaches its old frame
                }
                kernel.unmap(stranger, strangerVa);
                kernel.freeFrame(stranger, reused);
            }
        }
        finally
        {
            stop.set(true);
            reader.join(30_000);
        }
        assertFalse(reader.isAlive(), "reader still running");
        assertNull(leak.get());
        kernel.destroyDomain(victim);
        kernel.destroyDomain(stranger);
        leaks.assertNothingLeaked();
    }

    /**
     * A copy into two pages while another thread keeps taking the write right of the second page away and giving
     * it back: every copy is all or nothing. Either it faults and the destination is unchanged, or every byte
     * arrived (the translation of both pages happened before the first byte moved).
     */
    @Test
    void aCopyThatFaultsChangesNothingEvenWhenTheRightsChangeDuringIt() throws Exception
    {
        final Domain a = kernel.createDomain("a");
        final Domain b = kernel.createDomain("b");
        final int page = memory.frameSize();
        final int length = 2 * page;
        final long src = kernel.reserve(a, 2);
        final long dst = kernel.reserve(b, 2);
        final long observer = kernel.reserve(a, 2);
        final int[] dstFrames = new int[2];
        for (int i = 0; i < 2; i++)
        {
            kernel.map(a, src + (long)i * page, kernel.allocateFrame(a, true), Rights.READ_WRITE);
            dstFrames[i] = kernel.allocateFrame(b, true);
            kernel.map(b, dst + (long)i * page, dstFrames[i], Rights.READ_WRITE);
            kernel.acceptShare(a, kernel.offerShare(b, dstFrames[i], a, Rights.READ_WRITE),
                observer + (long)i * page, Rights.READ_WRITE);
        }
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread toggler = new Thread(() ->
        {
            boolean writable = true;
            while (!stop.get())
            {
                writable = !writable;
                kernel.protect(b, dst + page, writable ? Rights.READ_WRITE : Rights.READ);
            }
        }, "rights-toggler");
        toggler.start();
        int faulted = 0;
        int completed = 0;
        try
        {
            for (int round = 1; round <= ROUNDS / 4; round++)
            {
                a.addressSpace().setMemory(src, length, (byte)round);
                a.addressSpace().setMemory(observer, length, (byte)0);
                try
                {
                    kernel.copy(b, a, src, b, dst, length);
                    completed++;
                    assertEquals((byte)round, a.addressSpace().getByte(observer), "round " + round);
                    assertEquals((byte)round, a.addressSpace().getByte(observer + length - 1), "round " + round);
                }
                catch (final ProtectionFault fault)
                {
                    faulted++;
                    assertEquals(0, a.addressSpace().getByte(observer), "round " + round +
                        ": the copy faulted after it had written the first page");
                }
            }
        }
        finally
        {
            stop.set(true);
            toggler.join(30_000);
        }
        assertFalse(toggler.isAlive(), "toggler still running");
        assertTrue(faulted + completed > 0);
        kernel.destroyDomain(a);
        kernel.destroyDomain(b);
        leaks.assertNothingLeaked();
    }
}
