package io.barge.grant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Hypervisor#releaseTable}: a table that grants nothing gives its frames back; one with a grant open is kept.
 */
@Timeout(30)
class HypervisorReleaseTableTest extends GrantFixture
{
    @Test
    void refusedWhileAGrantIsOpenThenFreesTheTableFrames()
    {
        final int frame = frameWith(a, 7L);
        final int freeWithTable = kernel.freeFrames();
        final int ref = table.grantAccess(b, frame, true);
        final long handle = hv.mapGrant(b, a.id(), ref, page(b), true);
        assertThrows(IllegalStateException.class, () -> hv.releaseTable(a), "mapped");
        hv.unmapGrant(b, handle);
        assertThrows(IllegalStateException.class, () -> hv.releaseTable(a), "granted");
        assertEquals(32, hv.queryTableSize(a));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));

        assertTrue(hv.releaseTable(a));
        assertEquals(0, hv.queryTableSize(a));
        assertEquals(freeWithTable + 1, kernel.freeFrames(), "the one table page came back");
        assertThrows(IllegalStateException.class, () -> table.grantAccess(b, frame, true), "detached table");
        assertFalse(hv.releaseTable(a), "nothing left to release");
        expectStatus(GrantStatus.BAD_DOMAIN, () -> hv.mapGrant(b, a.id(), ref, page(b), true));

        final GrantTable fresh = hv.setupTable(a, 8);
        final int again = fresh.grantAccess(b, frame, true);
        final long va = page(b);
        hv.unmapGrant(b, hv.mapGrant(b, a.id(), again, va, true));
        assertEquals(EndAccessResult.ENDED, fresh.endAccess(again));
    }
}
