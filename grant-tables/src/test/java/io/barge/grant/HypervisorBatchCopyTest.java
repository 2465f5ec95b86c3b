package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.barge.grant.GrantTableDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

class HypervisorBatchCopyTest extends GrantFixture
{
    @Test
    void aBatchWithOneBadElementMapsTheGoodOnesWhichStayUsableAndUnmapCleanly()
    {
        final int[] frames = { frameWith(a, 10L), frameWith(a, 11L), frameWith(a, 12L) };
        final int r0 = table.grantAccess(b, frames[0], false);
        final int r1 = table.grantAccess(b, frames[1], true);
        final int r2 = table.grantAccess(b, frames[2], false);
        final long[] va = { page(b), page(b), page(b), page(b), page(b) };
        final MapBatch batch = new MapBatch(8);
        batch.add(a.id(), r0, va[0], false);
        batch.add(a.id(), r1, va[1], false);
        batch.add(a.id(), 31, va[2], true);
        batch.add(a.id(), r1, va[3], true);
        batch.add(a.id(), r2, va[4], false);

        assertEquals(3, hv.mapGrants(b, batch));
        final int[] expected = { GrantStatus.OKAY, GrantStatus.PERMISSION_DENIED, GrantStatus.BAD_GNTREF,
            GrantStatus.OKAY, GrantStatus.OKAY };
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(GrantStatus.name(expected[i]), GrantStatus.name(batch.status(i)), "element " + i);
        }
        assertEquals(-1, batch.handle(1));
        assertEquals(-1, batch.handle(2));
        assertEquals(-1, b.addressSpace().frameAt(va[1]));
        assertEquals(-1, b.addressSpace().frameAt(va[2]));
        assertEquals(10L, b.addressSpace().getLong(va[0]));
        assertEquals(11L, b.addressSpace().getLong(va[3]));
        assertEquals(12L, b.addressSpace().getLong(va[4]));
        assertEquals(3, b.counter(GrantCounters.GRANT_MAPS));
        assertEquals(2, b.counter(GrantCounters.GRANT_ERRORS));

        final long[] handles = { batch.handle(0), batch.handle(3), batch.handle(4), batch.handle(3) };
        final int[] statuses = new int[4];
        assertEquals(3, hv.unmapGrants(b, handles, 4, statuses));
        assertArrayEquals(new int[]{ GrantStatus.OKAY, GrantStatus.OKAY, GrantStatus.OKAY, GrantStatus.BAD_HANDLE },
            statuses, "the repeated handle is a second unmap");
        for (final int ref : new int[]{ r0, r1, r2 })
        {
            assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
        }
        assertThrows(IllegalStateException.class, () ->
        {
            batch.clear();
            for (int i = 0; i < 9; i++)
            {
                batch.add(a.id(), r0, va[0], true);
            }
        });
    }

    @Test
    void grantCopyMovesBytesBothWaysWithoutMappingAnything()
    {
        final int frame = frameWith(a, 0L);
        final int ref = table.grantAccess(b, frame, false);
        final int mine = frameWith(b, 0x0101_0101_0101_0101L);
        final long va = kernel.reserve(b, 1);
        kernel.map(b, va, mine, Rights.READ_WRITE);
        final long ptes = b.counter(CounterType.PAGE_TABLE_UPDATES);

        hv.grantCopy(b, a.id(), ref, 100, va + 8, 64, true);
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        kernel.wrapFrame(view, frame);
        assertEquals(0L, view.getLong(92));
        assertEquals(0x0101_0101_0101_0101L, view.getLong(100));
        assertEquals(0x0101_0101_0101_0101L, view.getLong(156));
        assertEquals(0L, view.getLong(164));

        view.putLong(2000, 0x7777L);
        hv.grantCopy(b, a.id(), ref, 2000, va + 4000, 8, false);
        assertEquals(0x7777L, b.addressSpace().getLong(va + 4000));

        assertEquals(2, b.counter(GrantCounters.GRANT_COPIES));
        assertEquals(72, b.counter(CounterType.BYTES_COPIED));
        assertEquals(ptes, b.counter(CounterType.PAGE_TABLE_UPDATES), "a copy maps nothing");
        assertEquals(PERMIT_ACCESS, flags(ref), "the copy's hold ended with it");
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ref));
    }

    @Test
    void badCopiesAreRefusedAndCopyNothing()
    {
        final int frame = frameWith(a, 0x55L);
        final int ro = table.grantAccess(b, frame, true);
        final int toC = table.grantAccess(c, frame, false);
        final int mine = frameWith(b, 0x66L);
        final long va = kernel.reserve(b, 2);
        kernel.map(b, va, mine, Rights.READ_WRITE);
        final long readOnlyVa = va + PAGE;
        kernel.map(b, readOnlyVa, frameWith(b, 0x66L), Rights.READ);

        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.grantCopy(b, a.id(), ro, 0, va, 8, true));
        expectStatus(GrantStatus.PERMISSION_DENIED, () -> hv.grantCopy(b, a.id(), toC, 0, va, 8, false));
        expectStatus(GrantStatus.BAD_COPY_ARG, () -> hv.grantCopy(b, a.id(), ro, PAGE - 4, va, 8, false));
        expectStatus(GrantStatus.BAD_COPY_ARG, () -> hv.grantCopy(b, a.id(), ro, -1, va, 8, false));
        expectStatus(GrantStatus.BAD_COPY_ARG, () -> hv.grantCopy(b, a.id(), ro, 0, va, 0, false));
        expectStatus(GrantStatus.BAD_COPY_ARG, () -> hv.grantCopy(b, a.id(), ro, 0, va + PAGE - 4, 8, false));
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.grantCopy(b, a.id(), ro, 0, readOnlyVa, 8, false));
        expectStatus(GrantStatus.BAD_VIRT_ADDR, () -> hv.grantCopy(b, a.id(), ro, 0, va + 4 * PAGE, 8, false));
        expectStatus(GrantStatus.BAD_GNTREF, () -> hv.grantCopy(b, a.id(), 30, 0, va, 8, false));

        assertEquals(0x66L, b.addressSpace().getLong(va));
        assertEquals(0x66L, b.addressSpace().getLong(readOnlyVa));
        assertEquals(0, b.counter(GrantCounters.GRANT_COPIES));
        assertEquals(9, b.counter(GrantCounters.GRANT_ERRORS));
        assertEquals(PERMIT_ACCESS | READ_ONLY, flags(ro));
        assertEquals(0, kernel.pinCountOf(frame));
        assertEquals(EndAccessResult.ENDED, table.endAccess(ro));
        assertEquals(EndAccessResult.ENDED, table.endAccess(toC));
    }

    @Test
    void theTableGrowsAcrossPagesKeepingGrantsInUseAndStopsAtItsMaximum()
    {
        final GrantTable small = hv.setupTable(c, 4);
        assertEquals(4, hv.queryTableSize(c));
        final int frame = frameWith(c, 42L);
        final int first = small.grantAccess(b, frame, false);
        assertEquals(FIRST_REF, first);
        small.grantAccess(b, frame, true);
        small.grantAccess(b, frame, true);
        assertThrows(IllegalStateException.class, () -> small.grantAccess(b, frame, true), "full");
        final long h = hv.mapGrant(b, c.id(), first, page(b), false);

        small.grow(entriesPerPage(PAGE) + 44);
        assertEquals(entriesPerPage(PAGE) + 44, hv.queryTableSize(c));
        assertEquals(entriesPerPage(PAGE) + 44, small.capacity());
        int last = -1;
        for (int i = 0; i < entriesPerPage(PAGE) + 40; i++)
        {
            last = small.grantAccess(b, frame, true);
        }
        assertEquals(entriesPerPage(PAGE) + 43, last, "the highest reference lies on the second table page");
        assertEquals(1, pageOf(last, PAGE));
        final long va2 = page(b);
        final long h2 = hv.mapGrant(b, c.id(), last, va2, true);
        assertEquals(42L, b.addressSpace().getLong(va2));
        final UnsafeBuffer header = new UnsafeBuffer(0, 0);
        kernel.wrapFrame(header, hv.tableFrame(c.id(), 0));
        assertEquals(entriesPerPage(PAGE) + 44, checkHeader(header));

        hv.setupTable(c, 3);
        assertEquals(entriesPerPage(PAGE) + 44, hv.queryTableSize(c), "a smaller size changes nothing");
        assertThrows(IllegalArgumentException.class, () -> hv.setupTable(c, hv.maxTableEntries() + 1));
        assertThrows(IllegalArgumentException.class, () -> hv.setupTable(c, 1));
        assertEquals(0, hv.queryTableSize(b));
        hv.unmapGrant(b, h);
        hv.unmapGrant(b, h2);
        assertEquals(EndAccessResult.ENDED, small.endAccess(first));
        assertEquals(EndAccessResult.ENDED, small.endAccess(last));
    }

    @Test
    void aTableThatCannotGetItsFramesChangesNothing()
    {
        final int[] hog = new int[kernel.freeFrames() - 1];
        kernel.allocateFrames(c, hog.length, false, hog);
        final int free = kernel.freeFrames();
        assertThrows(io.barge.core.OutOfFramesException.class, () -> hv.setupTable(b, 3 * entriesPerPage(PAGE)));
        assertEquals(free, kernel.freeFrames());
        assertEquals(0, hv.queryTableSize(b));
        assertThrows(io.barge.core.OutOfFramesException.class, () -> table.grow(3 * entriesPerPage(PAGE)));
        assertEquals(32, hv.queryTableSize(a), "a failed growth keeps the old table");
        final GrantTable small = hv.setupTable(b, 4);
        assertEquals(4, small.capacity());
    }
}
