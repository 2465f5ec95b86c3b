package io.barge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Resource handling a library user relies on: a domain is closeable (idempotently) and gives every frame back; a
 * kernel sized in MiB owns its memory and frees it after destroying its domains; the old two-object form still
 * works and keeps its memory open.
 */
class KernelResourceTest
{
    @Test
    void closingADomainDestroysItAndReturnsItsFramesAndASecondCloseDoesNothing()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1))
        {
            final int free = kernel.freeFrames();
            final Domain a = kernel.createDomain("a");
            final Domain b = kernel.createDomain("b");
            final int frame = kernel.allocateFrame(a, true);
            final long va = kernel.reserve(b, 1);
            kernel.acceptShare(b, kernel.offerShare(a, frame, b, Rights.READ), va, Rights.READ);
            kernel.allocateFrames(a, 3, false, new int[3]);
            assertEquals(free - 4, kernel.freeFrames());

            a.close();
            assertFalse(a.isAlive());
            assertNull(kernel.domain(a.id()), "a closed domain is gone from the kernel");
            assertEquals(free, kernel.freeFrames(), "every frame a owned came back");
            assertThrows(ProtectionFault.class, () -> b.addressSpace().getByte(va), "a's frame was unmapped from b");
            a.close();
            assertEquals(free, kernel.freeFrames(), "second close changes nothing");
            assertTrue(b.isAlive(), "other domains are unaffected");
            assertThrows(IllegalStateException.class, () -> kernel.destroyDomain(a),
                "destroyDomain keeps refusing a dead domain");
        }
    }

    @Test
    void domainsInTryWithResourcesAreDestroyedAtTheEndOfTheBlock()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1))
        {
            final int free = kernel.freeFrames();
            final Domain kept;
            try (Domain a = kernel.createDomain("a"))
            {
                kernel.allocateFrame(a, false);
                kept = a;
            }
            assertFalse(kept.isAlive());
            assertEquals(free, kernel.freeFrames());
        }
    }

    @Test
    void closingADomainAfterItsKernelDoesNothing()
    {
        final Kernel kernel = Kernel.withMemoryMiB(1);
        final Domain a = kernel.createDomain("a");
        kernel.allocateFrame(a, true);
        kernel.close();
        assertFalse(a.isAlive());
        a.close();
    }

    @Test
    void theKernelDomainIsClosedOnlyWithItsKernel()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1))
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> kernel.kernelDomain().close());
            assertTrue(ex.getMessage().contains("close the kernel"), ex.getMessage());
            assertTrue(kernel.kernelDomain().isAlive());
        }
    }

    @Test
    void aKernelSizedInMiBOwnsItsMemoryAndFreesItAfterItsDomains()
    {
        final Kernel kernel = Kernel.withMemoryMiB(4);
        final PhysicalMemory memory = kernel.memory();
        assertEquals(4 * 256, memory.frameCount(), "4 MiB of 4 KiB frames");
        assertEquals(PhysicalMemory.DEFAULT_FRAME_SIZE, memory.frameSize());
        final Domain a = kernel.createDomain("a");
        kernel.allocateFrames(a, 10, true, new int[10]);
        final int[] freeWhenDomainsWent = new int[1];
        kernel.addDomainListener(domain -> freeWhenDomainsWent[0] = memory.isClosed() ? -1 : 1);

        kernel.close();
        assertEquals(1, freeWhenDomainsWent[0], "domains were destroyed while the memory was still open");
        assertFalse(a.isAlive());
        assertTrue(memory.isClosed(), "the kernel closed the memory it owns");
        kernel.close();
        assertTrue(memory.isClosed(), "a second close is harmless");
    }

    @Test
    void aKernelOnCallersMemoryLeavesItOpen()
    {
        final PhysicalMemory memory = PhysicalMemory.allocateDirectMiB(2);
        try
        {
            assertEquals(512, memory.frameCount());
            final Kernel kernel = new Kernel(memory);
            final Domain a = kernel.createDomain("a");
            kernel.allocateFrame(a, false);
            kernel.close();
            assertFalse(memory.isClosed(), "the caller's memory stays open");
            assertEquals(memory.frameCount(), memory.freeFrames(), "and every frame is free");
        }
        finally
        {
            memory.close();
        }
        assertTrue(memory.isClosed());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, PhysicalMemory.MAX_DIRECT_MIB + 1, Integer.MAX_VALUE})
    void aSizeOutsideOneTo2047MiBIsRefusedNamingTheRange(final int mib)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> PhysicalMemory.allocateDirectMiB(mib));
        assertEquals("mib=" + mib + " must be in [1, 2047]", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Kernel.withMemoryMiB(mib));
    }
}
