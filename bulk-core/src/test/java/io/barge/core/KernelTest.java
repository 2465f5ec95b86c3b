package io.barge.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class KernelTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(256);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "kernel close returns every frame");
        memory.close();
    }

    @Test
    void mappedMemoryIsReadAndWrittenThroughTheAddressSpace()
    {
        final int frame = kernel.allocateFrame(a, true);
        final long va = kernel.reserve(a, 1);
        kernel.map(a, va, frame, Rights.READ_WRITE);
        a.addressSpace().putLong(va + 8, 42L);
        assertEquals(42L, a.addressSpace().getLong(va + 8));
        assertEquals(1, a.counter(CounterType.FRAMES_ALLOCATED));
        assertEquals(1, a.counter(CounterType.FRAMES_ZEROED));
        assertEquals(1, a.counter(CounterType.PAGE_TABLE_UPDATES));
    }

    @Test
    void unmappedAccessRaisesProtectionFaultNamingDomainAddressAndAccess()
    {
        final ProtectionFault fault = assertThrows(ProtectionFault.class, () -> a.addressSpace().getLong(0x10000));
        assertEquals(a.id(), fault.domainId());
        assertEquals(0x10000, fault.address());
        assertEquals(Access.READ, fault.access());
        assertThrows(ProtectionFault.class, () -> a.addressSpace().getByte(0));
        assertThrows(ProtectionFault.class, () -> a.addressSpace().getByte(-4096));
    }

    @Test
    void readOnlySharedFrameRefusesWritesAndKeepsTheOwnersBytes()
    {
        final int frame = kernel.allocateFrame(a, true);
        final long va = kernel.reserve(a, 1);
        kernel.map(a, va, frame, Rights.READ_WRITE);
        a.addressSpace().putLong(va, 7L);
        final long vb = kernel.reserve(b, 1);
        kernel.acceptShare(b, kernel.offerShare(a, frame, b, Rights.READ),
            vb, Rights.READ);
        assertEquals(7L, b.addressSpace().getLong(vb));
        final ProtectionFault fault = assertThrows(ProtectionFault.class, () -> b.addressSpace().putLong(vb, 9L));
        assertEquals(Access.WRITE, fault.access());
        assertEquals(7L, a.addressSpace().getLong(va));
    }

    @Test
    void multiPageWriteThatFaultsChangesNothing()
    {
        final int f0 = kernel.allocateFrame(a, true);
        final int f1 = kernel.allocateFrame(a, true);
        final long va = kernel.reserve(a, 2);
        kernel.map(a, va, f0, Rights.READ_WRITE);
        kernel.map(a, va + 4096, f1, Rights.READ);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[6000]);
        src.setMemory(0, 6000, (byte)1);
        assertThrows(ProtectionFault.class, () -> a.addressSpace().putBytes(va, src, 0, 6000));
        assertEquals(0, a.addressSpace().sumLongs(va, 8192), "first page untouched by the refused write");
    }

    @Test
    void protectionChangeTakesEffectAtOnceAndIsCounted()
    {
        final int frame = kernel.allocateFrame(a, true);
        final long va = kernel.reserve(a, 1);
        kernel.map(a, va, frame, Rights.READ_WRITE);
        a.addressSpace().putLong(va, 1L); // warms the translation cache with a writable entry
        kernel.protect(a, va, Rights.READ);
        assertThrows(ProtectionFault.class, () -> a.addressSpace().putLong(va, 2L));
        assertEquals(1L, a.addressSpace().getLong(va));
        assertEquals(1, a.counter(CounterType.PROTECTION_CHANGES));
        kernel.flush(a);
        assertEquals(1, a.counter(CounterType.TLB_FLUSHES));
    }

    @Test
    void mappingAFrameTheDomainDoesNotOwnIsRefusedAndLeaksNothing()
    {
        final int frame = kernel.allocateFrame(a, false);
        final int free = kernel.freeFrames();
        final long vb = kernel.reserve(b, 1);
        assertThrows(FrameOwnershipException.class, () -> kernel.map(b, vb, frame, Rights.READ));
        assertThrows(FrameOwnershipException.class, () -> kernel.freeFrame(b, frame));
        assertThrows(FrameOwnershipException.class, () -> kernel.offerShare(b, frame, a, Rights.READ));
        assertEquals(-1, b.addressSpace().rightsAt(vb));
        assertEquals(free, kernel.freeFrames());
    }

    @Test
    void mappingAFreeFrameIsRefused()
    {
        final int frame = kernel.allocateFrame(a, false);
        kernel.freeFrame(a, frame);
        final long va = kernel.reserve(a, 1);
        assertThrows(FrameOwnershipException.class, () -> kernel.map(a, va, frame, Rights.READ));
    }

    @Test
    void destroyingADomainReturnsEveryFrameAndUnmapsThemFromOthers()
    {
        final int before = kernel.freeFrames();
        final int[] frames = new int[10];
        kernel.allocateFrames(a, 10, true, frames);
        final long va = kernel.reserve(a, 10);
        final long vb = kernel.reserve(b, 10);
        for (int i = 0; i < 10; i++)
        {
            kernel.map(a, va + i * 4096L, frames[i], Rights.READ_WRITE);
            kernel.acceptShare(b, kernel.offerShare(a, frames[i], b, Rights.READ),
                vb + i * 4096L, Rights.READ);
        }
        assertEquals(0L, b.addressSpace().getLong(vb));
        kernel.destroyDomain(a);
        assertEquals(before, kernel.freeFrames());
        assertThrows(ProtectionFault.class, () -> b.addressSpace().getLong(vb), "mapping removed from the sharer");
        assertFalse(a.isAlive());
        assertThrows(IllegalStateException.class, () -> kernel.allocateFrame(a, false));
    }

    @Test
    void allocateFramesIsAllOrNothing()
    {
        final int free = kernel.freeFrames();
        assertThrows(OutOfFramesException.class, () -> kernel.allocateFrames(a, free + 1, false, new int[free + 1]));
        assertEquals(free, kernel.freeFrames());
        assertEquals(0, a.counter(CounterType.FRAMES_ALLOCATED));
    }

    @Test
    void copyMovesBytesBetweenDomainsAcrossPagesAndCountsThem()
    {
        final long va = mapFresh(a, 3, Rights.READ_WRITE);
        final long vb = mapFresh(b, 3, Rights.READ_WRITE);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[9000]);
        for (int i = 0; i < 9000; i++)
        {
            src.putByte(i, (byte)(i * 31));
        }
        a.addressSpace().putBytes(va + 100, src, 0, 9000);
        kernel.copy(b, a, va + 100, b, vb + 7, 9000);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[9000]);
        b.addressSpace().getBytes(vb + 7, dst, 0, 9000);
        for (int i = 0; i < 9000; i++)
        {
            assertEquals(src.getByte(i), dst.getByte(i), "byte " + i);
        }
        assertEquals(9000, b.counter(CounterType.BYTES_COPIED));
    }

    @Test
    void copyIntoAReadOnlyDestinationFaultsBeforeMovingAnything()
    {
        final long va = mapFresh(a, 1, Rights.READ_WRITE);
        final long vb = mapFresh(b, 1, Rights.READ);
        a.addressSpace().putLong(va, 5L);
        assertThrows(ProtectionFault.class, () -> kernel.copy(b, a, va, b, vb, 8));
        assertEquals(0L, b.addressSpace().getLong(vb));
        assertEquals(0, b.counter(CounterType.BYTES_COPIED));
    }

    @Test
    void countersAreOffHeapWithStableTypeIdsAndSurviveDestroyAsRetiredTotals()
    {
        mapFresh(a, 4, Rights.READ_WRITE);
        final long[] totals = kernel.counters().totals(new long[CounterType.values().length]);
        assertEquals(4, totals[CounterType.FRAMES_ALLOCATED.ordinal()]);
        final int[] found = new int[1];
        kernel.counters().reader().forEach((id, typeId, key, label) ->
        {
            if (typeId == CounterType.FRAMES_ALLOCATED.id() && key.getInt(0) == a.id())
            {
                found[0]++;
                assertEquals(4, kernel.counters().reader().getCounterValue(id));
            }
        });
        assertEquals(1, found[0]);
        kernel.destroyDomain(a);
        assertEquals(4, kernel.counters().total(CounterType.FRAMES_ALLOCATED));
        assertEquals(4, kernel.counters().total(CounterType.FRAMES_FREED));
    }

    @Test
    void globalWindowIsTheSameAddressInEveryDomain()
    {
        final long g = kernel.reserveGlobal(4);
        assertTrue(kernel.isGlobal(g));
        final int frame = kernel.allocateFrame(a, true);
        kernel.map(a, g, frame, Rights.READ_WRITE);
        kernel.acceptShare(b, kernel.offerShare(a, frame, b, Rights.READ),
            g, Rights.READ);
        a.addressSpace().putLong(g, 11L);
        assertEquals(11L, b.addressSpace().getLong(g));
        assertFalse(kernel.isGlobal(kernel.reserve(a, 1)));
    }

    @Test
    void wrapViewNeedsConsecutiveFramesAndTheRight()
    {
        final long va = kernel.reserve(a, 2);
        final int f0 = kernel.allocateFrame(a, true);
        kernel.allocateFrame(a, true);
        final int f2 = kernel.allocateFrame(a, true);
        kernel.map(a, va, f0, Rights.READ_WRITE);
        kernel.map(a, va + 4096, f2, Rights.READ_WRITE);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        if (f2 != f0 + 1)
        {
            assertThrows(IllegalArgumentException.class,
                () -> a.addressSpace().wrapView(view, va, 8192, Access.READ));
        }
        a.addressSpace().wrapView(view, va, 4096, Access.WRITE);
        view.putLong(0, 3L);
        assertEquals(3L, a.addressSpace().getLong(va));
    }

    private long mapFresh(final Domain d, final int pages, final int rights)
    {
        final long va = kernel.reserve(d, pages);
        for (int i = 0; i < pages; i++)
        {
            kernel.map(d, va + i * 4096L, kernel.allocateFrame(d, true), rights);
        }
        return va;
    }
}
