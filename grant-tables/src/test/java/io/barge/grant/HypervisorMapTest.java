package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.FrameInUseException;
import io.barge.core.ProtectionFault;
import io.barge.testkit.HostilePeer;
import org.junit.jupiter.api.Test;

import static io.barge.grant.GrantTableDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class HypervisorMapTest extends GrantFixture
{
    @Test
    void aMappedGrantSharesTheFrameBothWaysAndUnmapsCleanly()
    {
        final int frame = frameWith(a, 0x1111L);
        final int ref = table.grantAccess(b, frame, false);
        assertEquals(PERMIT_ACCESS, flags(ref));
        final long va = page(b);
        final long handle = hv.mapGrant(b, a.id(), ref, va, false);

        assertEquals(0x1111L, b.addressSpace().getLong(va + 64));
        b.addressSpace().putLong(va, 0x2222L);
        assertEquals(frame, b.addressSpace().frameAt(va));
        assertEquals(PERMIT_ACCESS | READING | WRITING, flags(ref), "hypervisor marked the entry in use");
        assertEquals(1, kernel.pinCountOf(frame));
        assertEquals(1, b.counter(GrantCounters.GRANT_MAPS));

        hv.unmapGrant(b, handle);
        assertEquals(-1, b.addressSpace().frameAt(va));
        assertEquals(PERMIT_ACCESS, flags(ref), "both in-use bits cleared with the last use");
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(1, b.counter(GrantCounters.GRANT_UNMAPS));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
        assertEquals(0L, rawStatus(ref));
        final HostilePeer owner = HostilePeer.of(kernel, a);
        assertEquals(0x2222L, owner.getLong(frame, 0), "the grantee's write reached the granter's frame");
    }

    @Test
    void badReferencesAreRefusedWithTheirStatusAndChangeNothing()
    {
        final int frame = frameWith(a, 7L);
        final int toC = table.grantAccess(c, frame, false);
        final int ended = table.grantAccess(b, frame, false);
        assertEquals(EndAccessResult.ENDED, table.endAccess(ended));
        final long va = page(b);
        final int ptesBefore = (int)b.counter(CounterType.PAGE_TABLE_UPDATES);

        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), 32, va, false));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), -1, va, false));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), 0, va, true));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), 9, va, true));
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.mapGrant(b, a.id(), toC, va, true));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), ended, va, true));
        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.mapGrant(b, c.id(), toC, va, true));
        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.mapGrant(b, 999, toC, va, true));

        assertEquals(8, b.counter(GrantCounters.GRANT_ERRORS));
        assertEquals(0, b.counter(GrantCounters.GRANT_MAPS));
        assertEquals(ptesBefore, b.counter(CounterType.PAGE_TABLE_UPDATES));
        assertEquals(-1, b.addressSpace().frameAt(va));
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(0, hv.liveHandles());
        assertEquals(PERMIT_ACCESS, flags(toC));
        assertEquals(EndAccessResult.ENDED, table.endAccess(toC));
    }

    @Test
    void aReadOnlyGrantRefusesAWritableMapAndMapsReadOnly()
    {
        final int frame = frameWith(a, 5L);
        final int ref = table.grantAccess(b, frame, true);
        final long va = page(b);
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.mapGrant(b, a.id(), ref, va, false));
        assertEquals(PERMIT_ACCESS | READ_ONLY, flags(ref));
        assertEquals(-1, b.addressSpace().frameAt(va));

        final long handle = hv.mapGrant(b, a.id(), ref, va, true);
        assertEquals(5L, b.addressSpace().getLong(va));
        assertThrows(ProtectionFault.class, () -> b.addressSpace().putLong(va, 6L));
        assertEquals(PERMIT_ACCESS | READ_ONLY | READING, flags(ref));
        hv.unmapGrant(b, handle);
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void badAddressesAreRefusedAndChangeNothing()
    {
        final int frame = frameWith(a, 1L);
        final int ref = table.grantAccess(b, frame, false);
        final long mine = frameWith(b, 2L);
        final long taken = kernel.reserve(b, 1);
        kernel.map(b, taken, (int)mine, io.barge.core.Rights.READ_WRITE);
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.mapGrant(b, a.id(), ref, taken, false));
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.mapGrant(b, a.id(), ref, taken + 8, false));
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.mapGrant(b, a.id(), ref, 0, false));
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.mapGrant(b, a.id(), ref, 1L << 40, false));
        assertEquals(mine, b.addressSpace().frameAt(taken));
        assertEquals(PERMIT_ACCESS, flags(ref));
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void aSecondUnmapAndAnotherDomainsUnmapAreBadHandles()
    {
        final int frame = frameWith(a, 1L);
        final int ref = table.grantAccess(b, frame, false);
        final long handle = hv.mapGrant(b, a.id(), ref, page(b), false);
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(c, handle));
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unpinGrant(b, handle));
        hv.unmapGrant(b, handle);
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, handle));
        // The slot is reused by the next mapping: the old handle still names nothing.
        final long next = hv.mapGrant(b, a.id(), ref, page(b), true);
        assertNotEquals(handle, next);
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, handle));
        assertEquals(1, hv.maps(a.id(), ref, false));
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, -5L));
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, 1L << 40));
        hv.unmapGrant(b, next);
        assertEquals(0, hv.maps(a.id(), ref, false));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void unmappingAReadOnlyMappingNeverDropsTheWriteCount()
    {
        final int frame = frameWith(a, 1L);
        final int ref = table.grantAccess(b, frame, false);
        final long rw = hv.mapGrant(b, a.id(), ref, page(b), false);
        final long ro = hv.mapGrant(b, a.id(), ref, page(b), true);
        assertEquals(1, hv.maps(a.id(), ref, true));
        assertEquals(1, hv.maps(a.id(), ref, false));
        hv.unmapGrant(b, ro);
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, ro));
        assertEquals(1, hv.maps(a.id(), ref, true), "the writable mapping is still counted");
        assertEquals(0, hv.maps(a.id(), ref, false));
        assertEquals(PERMIT_ACCESS | READING | WRITING, flags(ref), "still writing");
        assertEquals(EndAccessResult.IN_USE, table.endAccess(ref));
        hv.unmapGrant(b, rw);
        assertEquals(PERMIT_ACCESS, flags(ref));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void theLastWritableUnmapClearsWritingButAReaderKeepsReading()
    {
        final int frame = frameWith(a, 1L);
        final int ref = table.grantAccess(b, frame, false);
        final long rw = hv.mapGrant(b, a.id(), ref, page(b), false);
        final long ro = hv.mapGrant(b, a.id(), ref, page(b), true);
        hv.unmapGrant(b, rw);
        assertEquals(PERMIT_ACCESS | READING, flags(ref));
        assertEquals(EndAccessResult.IN_USE, table.endAccess(ref));
        hv.unmapGrant(b, ro);
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void endAccessWhileMappedIsInUseAndTheFrameCannotBeFreedUntilTheLastUnmap()
    {
        final int frame = frameWith(a, 3L);
        final int ref = table.grantAccess(b, frame, false);
        final long handle = hv.mapGrant(b, a.id(), ref, page(b), false);
        final int free = kernel.freeFrames();
        assertEquals(EndAccessResult.IN_USE, table.endAccess(ref));
        assertEquals(EndAccessResult.IN_USE, table.endAccess(ref));
        assertThrows(FrameInUseException.class, () -> kernel.freeFrame(a, frame));
        assertEquals(free, kernel.freeFrames());
        assertEquals(a.id(), kernel.ownerOf(frame));
        hv.unmapGrant(b, handle);
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
        assertThrows(IllegalArgumentException.class, () -> table.endAccess(ref), "already ended");
        kernel.freeFrame(a, frame);
        assertEquals(free + 1, kernel.freeFrames());
    }

    @Test
    void endAccessWhilePinnedIsInUseUntilTheUnpin()
    {
        final int frame = frameWith(a, 3L);
        final int ref = table.grantAccess(b, frame, true);
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.pinGrant(b, a.id(), ref, false));
        final long pin = hv.pinGrant(b, a.id(), ref, true);
        assertEquals(frame, hv.pinnedFrame(b, pin));
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.pinnedFrame(c, pin));
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, pin));
        assertEquals(1, hv.pins(a.id(), ref, false));
        assertEquals(EndAccessResult.IN_USE, table.endAccess(ref));
        assertThrows(FrameInUseException.class, () -> kernel.freeFrame(a, frame));
        hv.unpinGrant(b, pin);
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unpinGrant(b, pin));
        assertEquals(1, b.counter(GrantCounters.GRANT_PINS));
        assertEquals(1, b.counter(GrantCounters.GRANT_UNPINS));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void aDeferredEndCompletesAfterTheLastUnmapAndOnlyThenFreesTheFrame()
    {
        final int frame = frameWith(a, 3L);
        final int ref = table.grantAccess(b, frame, false);
        final long va = page(b);
        final long h1 = hv.mapGrant(b, a.id(), ref, va, false);
        final long h2 = hv.pinGrant(b, a.id(), ref, true);
        final int free = kernel.freeFrames();

        assertEquals(EndAccessResult.DEFERRED, table.endAccessDeferred(ref));
        assertEquals(1, table.deferredEnds());
        assertThrows(IllegalArgumentException.class, () -> table.endAccess(ref), "its end is already under way");
        hv.unmapGrant(b, h1);
        assertEquals(free, kernel.freeFrames(), "still pinned: not freed");
        assertEquals(a.id(), kernel.ownerOf(frame));
        assertEquals(1, table.deferredEnds());
        hv.unpinGrant(b, h2);
        assertEquals(0, table.deferredEnds());
        assertEquals(free + 1, kernel.freeFrames(), "freed after the last use");
        assertEquals(-1, kernel.ownerOf(frame));
        assertEquals(0L, rawStatus(ref));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(b, a.id(), ref, va, true));
    }

    @Test
    void aDeferredEndOfAnUnusedGrantFreesAtOnce()
    {
        final int frame = frameWith(a, 3L);
        final int ref = table.grantAccess(b, frame, false);
        final int free = kernel.freeFrames();
        assertEquals(EndAccessResult.ENDED, table.endAccessDeferred(ref));
        assertEquals(free + 1, kernel.freeFrames());
    }

    @Test
    void aGranterThatForgesAnEntryCannotGrantAFrameItDoesNotOwn()
    {
        final int bsFrame = frameWith(b, 9L);
        final int mine = frameWith(a, 1L);
        final int ref = table.grantAccess(c, mine, false);
        final HostilePeer granter = HostilePeer.of(kernel, a);
        final int tableFrame = hv.tableFrame(a.id(), 0);
        final int entry = entryOffset(ref, PAGE);
        assertThrows(IllegalArgumentException.class, () -> table.grantAccess(c, bsFrame, false));

        granter.putInt(tableFrame, entry + FRAME_OFFSET, bsFrame);
        expectStatus(GrantStatus.BAD_PAGE, () -> hv.mapGrant(c, a.id(), ref, page(c), false));
        granter.putInt(tableFrame, entry + FRAME_OFFSET, memory.frameCount() + 5);
        expectStatus(GrantStatus.BAD_PAGE, () -> hv.mapGrant(c, a.id(), ref, page(c), false));
        granter.putInt(tableFrame, entry + FRAME_OFFSET, -1);
        expectStatus(GrantStatus.BAD_PAGE, () -> hv.pinGrant(c, a.id(), ref, true));
        assertEquals(0, kernel.pinCountOf(bsFrame));
        assertEquals(PERMIT_ACCESS, flags(ref));

        // Once active, the frame validated first is kept, whatever the granter writes into the entry afterwards.
        granter.putInt(tableFrame, entry + FRAME_OFFSET, mine);
        final long va1 = page(c);
        final long h1 = hv.mapGrant(c, a.id(), ref, va1, false);
        granter.putInt(tableFrame, entry + FRAME_OFFSET, bsFrame);
        final long va2 = page(c);
        final long h2 = hv.mapGrant(c, a.id(), ref, va2, false);
        assertEquals(mine, c.addressSpace().frameAt(va2));
        assertEquals(1L, c.addressSpace().getLong(va2));
        // A granter clearing the grant (and the in-use bits) under a mapping: new uses are refused, the old ones end.
        granter.putLong(tableFrame, entry + STATUS_OFFSET, 0L);
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.mapGrant(c, a.id(), ref, page(c), true));
        hv.unmapGrant(c, h1);
        hv.unmapGrant(c, h2);
        assertEquals(0, kernel.pinCountOf(mine));
    }

    @Test
    void aGrantRewrittenToAnotherDomainBetweenUsesIsRefusedToTheFirst()
    {
        final int frame = frameWith(a, 1L);
        final int ref = table.grantAccess(b, frame, false);
        final long hb = hv.mapGrant(b, a.id(), ref, page(b), false);
        final HostilePeer granter = HostilePeer.of(kernel, a);
        granter.putLong(hv.tableFrame(a.id(), 0), entryOffset(ref, PAGE),
            GrantTableDescriptor.statusWord(PERMIT_ACCESS | READING | WRITING, c.id()));
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.mapGrant(b, a.id(), ref, page(b), false));
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.mapGrant(c, a.id(), ref, page(c), false));
        hv.unmapGrant(b, hb);
        assertEquals(0, kernel.pinCountOf(frame));
    }

    @Test
    void aDeferredEndGivesTheFrameUpSoItMayNotBeGrantedTwice()
    {
        final int frame = frameWith(a, 3L);
        final int r1 = table.grantAccess(b, frame, false);
        final int r2 = table.grantAccess(c, frame, true);
        assertThrows(IllegalArgumentException.class, () -> table.endAccessDeferred(r1), "also granted as r2");
        assertEquals(EndAccessResult.ENDED, table.endAccess(r2));
        final long h = hv.mapGrant(b, a.id(), r1, page(b), false);
        assertEquals(EndAccessResult.DEFERRED, table.endAccessDeferred(r1));
        assertThrows(IllegalArgumentException.class, () -> table.grantAccess(c, frame, true), "given up");
        hv.unmapGrant(b, h);
        assertEquals(-1, kernel.ownerOf(frame));
    }
}
