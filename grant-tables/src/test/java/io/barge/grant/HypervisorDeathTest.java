package io.barge.grant;

import io.barge.core.Rights;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HypervisorDeathTest extends GrantFixture
{
    @Test
    void aGranterDestroyedWithGrantsMappedByOthersKeepsThoseFramesUntilTheyAreUnmapped()
    {
        final int f1 = frameWith(a, 0xA1L);
        final int f2 = frameWith(a, 0xA2L);
        final int f3 = frameWith(a, 0xA3L);
        final int r1 = table.grantAccess(b, f1, false);
        final int r2 = table.grantAccess(c, f2, true);
        final int r3 = table.grantAccess(b, f3, false);
        final long va1 = page(b);
        final long h1 = hv.mapGrant(b, a.id(), r1, va1, false);
        final long pin = hv.pinGrant(c, a.id(), r2, true);
        final int tableFrame = hv.tableFrame(a.id(), 0);
        final int freeBefore = kernel.freeFrames();

        kernel.destroyDomain(a);
        // Freed: the table page, the unused granted frame f3; kept: f1 (mapped) and f2 (pinned).
        assertEquals(freeBefore + 2, kernel.freeFrames());
        assertEquals(-1, kernel.ownerOf(tableFrame));
        assertEquals(-1, kernel.ownerOf(f3));
        assertNotEquals(-1, kernel.ownerOf(f1));
        assertEquals(0xA1L, b.addressSpace().getLong(va1), "the mapping still reaches the old frame");
        b.addressSpace().putLong(va1, 0xB1L);
        assertEquals(f2, hv.pinnedFrame(c, pin));

        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.mapGrant(b, a.id(), r3, page(b), false));
        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.mapGrant(b, a.id(), r1, page(b), false));
        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.grantCopy(b, a.id(), r1, 0, va1, 8, false));
        assertEquals(0, hv.queryTableSize(a));

        hv.unmapGrant(b, h1);
        assertEquals(-1, kernel.ownerOf(f1));
        assertEquals(-1, b.addressSpace().frameAt(va1));
        assertEquals(freeBefore + 3, kernel.freeFrames());
        expectStatus(GrantStatus.BAD_HANDLE, () -> hv.unmapGrant(b, h1));
        hv.unpinGrant(c, pin);
        assertEquals(-1, kernel.ownerOf(f2));
        assertEquals(freeBefore + 4, kernel.freeFrames());
        assertEquals(0, hv.activeGranters(), "the dead granter's active table went with its last use");
    }

    @Test
    void aGranteeDestroyedWithMappingsAndPinsReleasesThemAndTheGrantsCanEnd()
    {
        final int f1 = frameWith(a, 1L);
        final int f2 = frameWith(a, 2L);
        final int r1 = table.grantAccess(b, f1, false);
        final int r2 = table.grantAccess(b, f2, true);
        hv.mapGrant(b, a.id(), r1, page(b), false);
        hv.mapGrant(b, a.id(), r1, page(b), true);
        hv.pinGrant(b, a.id(), r2, true);
        assertEquals(EndAccessResult.DEFERRED, table.endAccessDeferred(r2));
        assertEquals(EndAccessResult.IN_USE, table.endAccess(r1));
        final int free = kernel.freeFrames();

        kernel.destroyDomain(b);
        assertEquals(0, hv.liveHandles());
        assertEquals(0, table.deferredEnds(), "the deferred end completed with the grantee's death");
        assertEquals(free + 1, kernel.freeFrames(), "b owned no frames; f2 was freed by its deferred end");
        assertEquals(-1, kernel.ownerOf(f2));
        assertEquals(a.id(), kernel.ownerOf(f1));
        assertEquals(EndAccessResult.ENDED, table.endAccess(r1));
        assertEquals(0, kernel.pinCountOf(f1));
    }

    @Test
    void aDomainGrantingToItselfAndDyingLeavesNothing()
    {
        final int f = frameWith(a, 1L);
        final int r = table.grantAccess(a, f, false);
        final long va = page(a);
        hv.mapGrant(a, a.id(), r, va, false);
        hv.pinGrant(a, a.id(), r, false);
        a.addressSpace().putLong(va, 3L);
        kernel.destroyDomain(a);
        assertEquals(0, hv.liveHandles());
        assertEquals(-1, kernel.ownerOf(f));
    }

    @Test
    void aGranteeThatUnmapsTheGrantPageItselfStillUnmapsTheGrantCleanly()
    {
        final int f = frameWith(a, 1L);
        final int r = table.grantAccess(b, f, false);
        final long va = page(b);
        final long h = hv.mapGrant(b, a.id(), r, va, false);
        kernel.unmap(b, va);
        final int mine = frameWith(b, 2L);
        kernel.map(b, va, mine, Rights.READ_WRITE);
        hv.unmapGrant(b, h);
        assertEquals(mine, b.addressSpace().frameAt(va), "the hypervisor removed only its own mapping");
        assertEquals(EndAccessResult.ENDED, table.endAccess(r));
    }
}
