package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FbufRegionTest extends FbufFixture
{
    private FbufRegion region;

    private IoPath path(final FbufMode mode, final int budgetPages)
    {
        if (region == null)
        {
            region = new FbufRegion(kernel, 1024);
        }
        return region.createPath(new Domain[]{ a, b }, mode, budgetPages);
    }

    @Test
    void cachedReuseTakesTheSameFbufWithoutMappingOrZeroing()
    {
        final IoPath path = path(new FbufMode(true, true, false), 64);
        final long first = path.allocate(8192);
        path.release(first);
        final long pte = a.counter(CounterType.PAGE_TABLE_UPDATES);
        final long zeroed = a.counter(CounterType.FRAMES_ZEROED);
        final long again = path.allocate(8192);
        assertEquals((int)first, (int)again, "same first page");
        assertNotEquals(first, again, "a new generation");
        assertEquals(pte, a.counter(CounterType.PAGE_TABLE_UPDATES));
        assertEquals(zeroed, a.counter(CounterType.FRAMES_ZEROED));
        assertEquals(1, region.refCount(again));
        path.release(again);
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void uncachedReleaseReturnsFramesAndRange()
    {
        final IoPath path = path(new FbufMode(false, true, false), 64);
        final long handle = path.allocate(3 * 4096);
        assertEquals(freeFramesAtStart - 3, kernel.freeFrames());
        assertEquals(1, region.liveFbufs());
        path.release(handle);
        assertEquals(freeFramesAtStart, kernel.freeFrames());
        assertEquals(0, region.liveFbufs());
        assertEquals(2, a.counter(CounterType.VIRTUAL_RANGE_OPS));
        region.close();
    }

    @Test
    void doubleReleaseRaisesBufferStateException()
    {
        final IoPath path = path(new FbufMode(false, false, false), 64);
        final long handle = path.allocate(100);
        path.release(handle);
        assertThrows(BufferStateException.class, () -> path.release(handle));
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void releaseAfterFreeWithAStaleHandleDoesNotTouchTheNextUser()
    {
        final IoPath path = path(new FbufMode(true, true, false), 64);
        final long stale = path.allocate(100);
        path.release(stale);
        final long current = path.allocate(100);
        assertEquals((int)stale, (int)current);
        assertThrows(BufferStateException.class, () -> path.release(stale));
        assertThrows(BufferStateException.class, () -> region.retain(stale));
        assertEquals(1, region.refCount(current));
        path.release(current);
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void lastOfSeveralReferencesFrees()
    {
        final IoPath path = path(new FbufMode(false, true, false), 64);
        final long handle = path.allocate(100);
        region.retain(handle);
        region.retain(handle);
        path.release(handle);
        path.release(handle);
        assertTrue(region.isLive(handle));
        path.release(handle);
        assertEquals(freeFramesAtStart, kernel.freeFrames());
        region.close();
    }

    @Test
    void exhaustedPathIsBackPressuredAndOtherPathsAreNot()
    {
        final IoPath small = path(new FbufMode(true, true, false), 4);
        final IoPath other = path(new FbufMode(true, true, false), 4);
        final long[] held = new long[4];
        for (int i = 0; i < 4; i++)
        {
            held[i] = small.allocate(4096);
            assertNotEquals(FbufRegion.NO_FBUF, held[i]);
        }
        assertEquals(FbufRegion.NO_FBUF, small.allocate(4096));
        final long fromOther = other.allocate(4096);
        assertNotEquals(FbufRegion.NO_FBUF, fromOther);
        small.release(held[0]);
        final long again = small.allocate(4096);
        assertNotEquals(FbufRegion.NO_FBUF, again);
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void closingAPathFreesFbufsStillHeld()
    {
        final IoPath path = path(new FbufMode(true, false, false), 64);
        final long held = path.allocate(5000);
        final long cached = path.allocate(100);
        path.release(cached);
        region.closePath(path);
        assertEquals(freeFramesAtStart, kernel.freeFrames());
        assertThrows(BufferStateException.class, () -> region.release(held));
        region.close();
    }

    @Test
    void originatorMayWriteReceiverMayOnlyRead()
    {
        final IoPath path = path(new FbufMode(true, true, false), 64);
        final long handle = path.allocate(4096);
        final long address = region.address(handle);
        a.addressSpace().putLong(address, 42L);
        assertEquals(42L, b.addressSpace().getLong(address));
        assertThrows(io.barge.core.ProtectionFault.class, () -> b.addressSpace().putLong(address, 7L));
        assertEquals(42L, a.addressSpace().getLong(address));
        path.release(handle);
        region.close();
    }
}
