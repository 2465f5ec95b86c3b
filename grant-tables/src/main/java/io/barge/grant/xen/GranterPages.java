package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.grant.EndAccessResult;
import io.barge.grant.GrantTable;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The granting end's pages of one channel (either front end: {@link XenFrontend}, whose sender grants the pages it
 * fills, and {@link XenPostingFrontend}, whose receiver grants the pages it lends): ranges reserved, frames
 * allocated and mapped, grants issued, each registered with the channel's undo list, so that a failed open or a
 * teardown returns every one. Each frame is pinned for the channel's life ({@link AbstractXenChannel#keepForLife}).
 * A grant the peer still maps or pins at teardown is ended deferred and its frame given up: this end drops its pin
 * first, the hypervisor frees the frame after the last unmap, and this end never frees or reuses it.
 */
final class GranterPages
{
    private final AbstractXenChannel channel;
    private final Kernel kernel;
    private final Domain domain;
    private final Domain peer;
    private final GrantTable table;
    private final int pageSize;
    /** Frames whose grant's end was deferred at teardown: the hypervisor frees them, not this end. */
    private final IntHashSet givenUp = new IntHashSet();

    GranterPages(final AbstractXenChannel channel, final Domain domain, final Domain peer, final GrantTable table)
    {
        this.channel = channel;
        this.kernel = channel.kernel;
        this.domain = domain;
        this.peer = peer;
        this.table = table;
        this.pageSize = channel.pageSize;
    }

    /** @return a range of {@code pages} in the granter's space, unreserved at teardown. */
    long reserve(final int pages)
    {
        return channel.reserve(domain, pages);
    }

    /** @return fresh zeroed frames mapped writable at {@code base}, each pinned and freed at teardown unless given up. */
    int[] allocateMapped(final long base, final int pages)
    {
        final int[] allocated = new int[pages];
        kernel.allocateFrames(domain, pages, true, allocated);
        for (int k = 0; k < pages; k++)
        {
            final int frame = allocated[k];
            freeAtTeardown(frame);
            kernel.map(domain, base + (long)k * pageSize, frame, Rights.READ_WRITE);
        }
        return allocated;
    }

    /**
     * Sets up a front end's shared ring: consecutive zeroed frames (a multi-page ring is one run, as Xen's are),
     * mapped writable in a range of their own and each granted writable to the peer; all undone at teardown.
     *
     * @param refs the pages' grant references, filled in page order; its length is the ring's page count.
     * @param view pointed at the mapped ring.
     * @return the ring's first frame.
     */
    int allocateRing(final int[] refs, final UnsafeBuffer view)
    {
        final int ringPages = refs.length;
        final long ringVa = reserve(ringPages);
        final int first = kernel.allocateContiguousFrames(domain, ringPages, true);
        for (int i = 0; i < ringPages; i++)
        {
            freeAtTeardown(first + i);
            kernel.map(domain, ringVa + (long)i * pageSize, first + i, Rights.READ_WRITE);
        }
        for (int i = 0; i < ringPages; i++)
        {
            refs[i] = grant(first + i, false);
        }
        domain.addressSpace().wrapView(view, ringVa, ringPages * pageSize, Access.WRITE);
        return first;
    }

    /**
     * Pins a frame of the granter's for the channel's life and registers it to be freed at teardown (as an orphan if
     * the granter died meanwhile), unless its grant's end was deferred.
     */
    void freeAtTeardown(final int frame)
    {
        kernel.pinFrame(domain, frame);
        channel.undo(null, () -> freeUnlessGivenUp(frame));
    }

    /** @return a reference granting the peer the frame, ended at teardown. */
    int grant(final int frame, final boolean readOnly)
    {
        final int ref = table.grantAccess(peer, frame, readOnly);
        channel.undo(domain, () -> endAtTeardown(ref, frame));
        return ref;
    }

    /**
     * Ends a grant at teardown. The back end has unmapped what the channel mapped, so the grant is normally idle; if
     * the peer still maps or pins it (outside the channel), the end is deferred and the frame given up to it.
     */
    void endAtTeardown(final int ref, final int frame)
    {
        if (table.endAccess(ref) != EndAccessResult.ENDED)
        {
            // The channel's pin goes first: the hypervisor's free after the peer's last unmap refuses a pinned frame.
            givenUp.add(frame);
            kernel.unpinFrame(frame);
            table.endAccessDeferred(ref);
        }
    }

    private void freeUnlessGivenUp(final int frame)
    {
        if (!givenUp.contains(frame))
        {
            kernel.unpinAndFree(domain, frame);
        }
    }
}
