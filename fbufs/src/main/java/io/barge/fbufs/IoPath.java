package io.barge.fbufs;

import io.barge.core.Domain;

import java.util.Arrays;

/**
 * An I/O path: the ordered domains an fbuf allocated on it will cross, originator first, and its allocator.
 * Allocation names the path (seed 004: "at the time of allocation, the I/O data path is known"). With caching, a
 * freed fbuf goes to the path's free list for its size, still mapped along the path, and the next allocation of that
 * size takes it without mapping or zeroing.
 * <p>
 * Thread safe: any domain on the path may drop the last reference; the free lists take a short lock.
 */
public final class IoPath
{
    private final FbufRegion region;
    private final int id;
    private final Domain[] domains;
    private final FbufMode mode;
    private final int budgetPages;
    /** Pages held by the path's fbufs, cached ones included; guarded by the region's lock. */
    int pagesInUse;
    private int[][] freeLists = new int[0][];
    private int[] freeCounts = new int[0];
    private boolean closed;

    IoPath(final FbufRegion region, final int id, final Domain[] domains, final FbufMode mode, final int budgetPages)
    {
        if (budgetPages < 1)
        {
            throw new IllegalArgumentException("budgetPages=" + budgetPages + " must be positive");
        }
        this.region = region;
        this.id = id;
        this.domains = domains;
        this.mode = mode;
        this.budgetPages = budgetPages;
    }

    /**
     * Allocates an fbuf of at least {@code bytes} bytes, writable by the originator.
     *
     * @param bytes bytes wanted.
     * @return its handle, or {@link FbufRegion#NO_FBUF} if the path's budget, the region or physical memory is
     *         exhausted (back pressure: other paths are unaffected).
     */
    public long allocate(final int bytes)
    {
        return region.allocate(this, region.pagesFor(bytes));
    }

    /**
     * Allocates an fbuf of a number of pages.
     *
     * @param pages pages wanted.
     * @return its handle or {@link FbufRegion#NO_FBUF}.
     */
    public long allocatePages(final int pages)
    {
        return region.allocate(this, pages);
    }

    /**
     * Drops a reference (the allocation's, or one added by {@link FbufRegion#retain(long)}).
     *
     * @param handle a live fbuf.
     */
    public void release(final long handle)
    {
        region.release(handle);
    }

    /**
     * @return the region.
     */
    public FbufRegion region()
    {
        return region;
    }

    /**
     * @return the path's id in its region.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the domain that allocates and writes the path's fbufs.
     */
    public Domain originator()
    {
        return domains[0];
    }

    /**
     * @param position 0 for the originator.
     * @return the domain at that position.
     */
    public Domain domain(final int position)
    {
        return domains[position];
    }

    /**
     * @return domains on the path.
     */
    public int length()
    {
        return domains.length;
    }

    /**
     * @param domain a domain.
     * @return its position on the path, or -1.
     */
    public int positionOf(final Domain domain)
    {
        for (int i = 0; i < domains.length; i++)
        {
            if (domains[i] == domain)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the cached and volatile settings.
     */
    public FbufMode mode()
    {
        return mode;
    }

    /**
     * @return most pages the path may hold at once.
     */
    public int budgetPages()
    {
        return budgetPages;
    }

    /**
     * @return fbufs waiting on the free lists.
     */
    public synchronized int cachedFbufs()
    {
        int total = 0;
        for (final int count : freeCounts)
        {
            total += count;
        }
        return total;
    }

    synchronized boolean isClosed()
    {
        return closed;
    }

    synchronized int popFree(final int pages)
    {
        if (pages >= freeCounts.length || freeCounts[pages] == 0)
        {
            return -1;
        }
        return freeLists[pages][--freeCounts[pages]];
    }

    synchronized boolean pushFree(final int first, final int pages)
    {
        if (closed)
        {
            return false;
        }
        if (pages >= freeCounts.length)
        {
            freeLists = Arrays.copyOf(freeLists, pages + 1);
            freeCounts = Arrays.copyOf(freeCounts, pages + 1);
        }
        int[] list = freeLists[pages];
        if (list == null)
        {
            list = new int[budgetPages / pages + 1];
            freeLists[pages] = list;
        }
        list[freeCounts[pages]++] = first;
        return true;
    }

    synchronized int[] close()
    {
        closed = true;
        int total = 0;
        for (final int count : freeCounts)
        {
            total += count;
        }
        final int[] cached = new int[total];
        int n = 0;
        for (int pages = 0; pages < freeCounts.length; pages++)
        {
            for (int i = 0; i < freeCounts[pages]; i++)
            {
                cached[n++] = freeLists[pages][i];
            }
            freeCounts[pages] = 0;
        }
        return cached;
    }

    @Override
    public String toString()
    {
        return "IoPath{id=" + id + ", domains=" + Arrays.toString(domains) + ", mode=" + mode.shortName() + "}";
    }
}
