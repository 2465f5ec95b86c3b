package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import io.barge.core.Rights;

/**
 * A run of frames the kernel allocated for one owner, mapped read-write in the owner and shared with peers at
 * addresses reserved in each. Data areas and control areas are both made of one. Closing frees every frame (the
 * kernel removes the mappings everywhere) and gives the virtual ranges back.
 */
final class SharedRegion implements AutoCloseable
{
    private final Kernel kernel;
    private final Domain owner;
    private final int pages;
    private final int length;
    private final int[] frames;
    private final Domain[] domains;
    private final long[] addresses;
    private int mappedDomains;
    private boolean closed;
    private boolean pinned;

    /**
     * Allocates and zeroes the frames and maps them in the owner.
     *
     * @param kernel     the machine.
     * @param owner      the domain that owns and writes the region.
     * @param length     bytes; rounded up to whole pages.
     * @param maxPeers   how many peers it may be shared with.
     * @param contiguous whether to ask for physically consecutive frames first (rings, so that each end wraps one
     *                   view); if no such run is free the frames may be scattered and {@link RingView} copes.
     */
    SharedRegion(final Kernel kernel, final Domain owner, final int length, final int maxPeers,
        final boolean contiguous)
    {
        this.kernel = kernel;
        this.owner = owner;
        final int pageSize = kernel.memory().frameSize();
        this.pages = (int)(((long)length + pageSize - 1) / pageSize);
        this.length = pages * pageSize;
        this.frames = new int[pages];
        this.domains = new Domain[maxPeers + 1];
        this.addresses = new long[maxPeers + 1];
        allocate(contiguous);
        try
        {
            mapInto(owner, Rights.READ_WRITE);
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    private void allocate(final boolean contiguous)
    {
        if (contiguous && pages > 1)
        {
            try
            {
                final int first = kernel.allocateContiguousFrames(owner, pages, true);
                for (int i = 0; i < pages; i++)
                {
                    frames[i] = first + i;
                }
                return;
            }
            catch (final OutOfFramesException fragmented)
            {
                // fall through: scattered frames, per-page views
            }
        }
        kernel.allocateFrames(owner, pages, true, frames);
    }

    /**
     * Reserves a range in the peer and maps every frame there.
     *
     * @param peer   the domain to share with.
     * @param rights READ or READ_WRITE.
     * @return the address of the region in the peer.
     */
    long shareWith(final Domain peer, final int rights)
    {
        return mapInto(peer, rights);
    }

    private long mapInto(final Domain domain, final int rights)
    {
        if (mappedDomains == domains.length)
        {
            throw new IllegalStateException("region already shared with " + (domains.length - 1) + " peers");
        }
        final long va = kernel.reserve(domain, pages);
        domains[mappedDomains] = domain;
        addresses[mappedDomains] = va;
        mappedDomains++;
        final int pageSize = kernel.memory().frameSize();
        for (int i = 0; i < pages; i++)
        {
            if (domain == owner)
            {
                kernel.map(owner, va + (long)i * pageSize, frames[i], rights);
            }
            else
            {
                kernel.acceptShare(domain, kernel.offerShare(owner, frames[i], domain, rights),
                    va + (long)i * pageSize, rights);
            }
        }
        return va;
    }

    /**
     * Pins every frame once (all or none), for a region that ends reach through raw views: a teardown may then
     * defer its free until those ends are quiescent ({@link io.barge.core.transport.spi.Deferral}), and a
     * destroyed owner's frames pass to the kernel instead of being freed meanwhile. {@link #close} drops the pins.
     */
    void pinFrames()
    {
        int done = 0;
        try
        {
            for (; done < frames.length; done++)
            {
                kernel.pinFrame(owner, frames[done]);
            }
        }
        catch (final RuntimeException ex)
        {
            for (int i = 0; i < done; i++)
            {
                kernel.unpinFrame(frames[i]);
            }
            throw ex;
        }
        pinned = true;
    }

    /**
     * Removes a peer's mappings (e.g. a detached multicast receiver) and gives back its range.
     *
     * @param peer a domain the region was shared with.
     */
    void unshare(final Domain peer)
    {
        for (int d = 1; d < mappedDomains; d++)
        {
            if (domains[d] == peer)
            {
                if (peer.isAlive() && owner.isAlive())
                {
                    final int pageSize = kernel.memory().frameSize();
                    for (int i = 0; i < pages; i++)
                    {
                        kernel.unmap(peer, addresses[d] + (long)i * pageSize);
                    }
                    kernel.flush(peer);
                    kernel.unreserve(peer, addresses[d], pages);
                }
                domains[d] = null;
                return;
            }
        }
    }

    /**
     * @return the owner's address.
     */
    long ownerAddress()
    {
        return addresses[0];
    }

    /**
     * @param domain the owner or a peer.
     * @return the region's address in that domain.
     */
    long addressIn(final Domain domain)
    {
        for (int d = 0; d < mappedDomains; d++)
        {
            if (domains[d] == domain)
            {
                return addresses[d];
            }
        }
        throw new IllegalArgumentException("region is not mapped in " + domain);
    }

    /**
     * @return bytes, whole pages.
     */
    int length()
    {
        return length;
    }

    /**
     * @return pages.
     */
    int pages()
    {
        return pages;
    }

    /**
     * @return the owner.
     */
    Domain owner()
    {
        return owner;
    }

    /**
     * @param i page index.
     * @return the frame backing it.
     */
    int frame(final int i)
    {
        return frames[i];
    }

    /**
     * Frees every frame and gives back every reserved range. A destroyed owner's frames were already freed by the
     * kernel, unless pinned ({@link #pinFrames}): those the kernel kept are freed by dropping the pins here. A
     * destroyed peer's ranges died with it. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (pinned)
        {
            for (final int frame : frames)
            {
                kernel.unpinAndFree(owner, frame);
            }
        }
        else if (owner.isAlive())
        {
            for (final int frame : frames)
            {
                kernel.freeFrame(owner, frame);
            }
        }
        for (int d = 0; d < mappedDomains; d++)
        {
            final Domain domain = domains[d];
            if (domain != null && domain.isAlive())
            {
                kernel.unreserve(domain, addresses[d], pages);
            }
        }
    }
}
