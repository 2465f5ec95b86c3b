package io.barge.grant;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A ring shared the Xen way: the frontend allocates consecutive frames, maps them and grants each page to the
 * backend, which maps the grants at consecutive addresses. Both sides get a view of their own mapping.
 */
final class RingFixture
{
    final UnsafeBuffer frontView = new UnsafeBuffer(0, 0);
    final UnsafeBuffer backView = new UnsafeBuffer(0, 0);
    final int firstFrame;
    final int[] refs;
    final long[] handles;

    RingFixture(final GrantFixture f, final Domain front, final GrantTable frontTable, final Domain back,
        final int pages)
    {
        final int page = GrantFixture.PAGE;
        firstFrame = f.kernel.allocateContiguousFrames(front, pages, true);
        final long frontVa = f.kernel.reserve(front, pages);
        final long backVa = f.kernel.reserve(back, pages);
        refs = new int[pages];
        handles = new long[pages];
        for (int i = 0; i < pages; i++)
        {
            f.kernel.map(front, frontVa + (long)i * page, firstFrame + i, Rights.READ_WRITE);
            refs[i] = frontTable.grantAccess(back, firstFrame + i, false);
            handles[i] = f.hv.mapGrant(back, front.id(), refs[i], backVa + (long)i * page, false);
        }
        front.addressSpace().wrapView(frontView, frontVa, pages * page, Access.WRITE);
        back.addressSpace().wrapView(backView, backVa, pages * page, Access.WRITE);
    }
}
