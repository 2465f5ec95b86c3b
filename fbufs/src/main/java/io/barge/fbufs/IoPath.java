package io.barge.fbufs;

import io.barge.core.Domain;

import java.util.Arrays;

/**
 * An I/O path: the ordered domains an fbuf allocated on it will cross, originator first, and its allocator.
 * Allocation names the path (seed 004: "at the time of allocation, the I/O data path is known"). With caching, a
 * freed fbuf goes to the path's free list for its size, still mapped along the path, and the next allocation of that
 * size takes it without mapping or zeroing.
 * <p>
 * Thread safe: any domain on the path may drop the last reference. The first thread that allocates becomes the
 * path's owner and keeps a small lock-free magazine of free fbufs per size (Netty's thread caches are the model);
 * other threads, and the owner when its magazine is empty or full, use the shared free lists under a short lock.
 */
public final class IoPath
{
    /** Free fbufs per size the owner thread keeps without locking. */
    static final int MAGAZINE_SIZE = 32;

    private final FbufRegion region;
    private final int id;
    private final Domain[] domains;
    private final FbufMode mode;
    private final int budgetPages;
    /** Pages held by the path's fbufs, cached ones included; guarded by the region's lock. */
    int pagesInUse;
    private int[][] freeLists = new int[0][];
    private int[] freeCounts = new int[0];
    private volatile boolean closed;
    private volatile Thread owner;
    // The owner's magazine, touched only by the owner thread (and by close, once the path is quiet).
    private int[][] magazine = new int[0][];
    private int[] magazineCounts = new int[0];

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
        for (final int count : magazineCounts)
        {
            total += count;
        }
        return total;
    }

    boolean isClosed()
    {
        return closed;
    }

    int popFree(final int pages)
    {
        final Thread current = Thread.currentThread();
        final Thread owner = this.owner;
        if (owner == current)
        {
            if (pages < magazineCounts.length && magazineCounts[pages] > 0)
            {
                return magazine[pages][--magazineCounts[pages]];
            }
        }
        else if (owner == null)
        {
            this.owner = current;
        }
        return popShared(pages);
    }

    private synchronized int popShared(final int pages)
    {
        if (pages >= freeCounts.length || freeCounts[pages] == 0)
        {
            return -1;
        }
        return freeLists[pages][--freeCounts[pages]];
    }

    boolean pushFree(final int first, final int pages)
    {
        if (closed)
        {
            return false;
        }
        if (owner == Thread.currentThread())
        {
            if (pages >= magazineCounts.length)
            {
                magazine = Arrays.copyOf(magazine, pages + 1);
                magazineCounts = Arrays.copyOf(magazineCounts, pages + 1);
            }
            int[] list = magazine[pages];
            if (list == null)
            {
                list = new int[MAGAZINE_SIZE];
                magazine[pages] = list;
            }
            if (magazineCounts[pages] < MAGAZINE_SIZE)
            {
                list[magazineCounts[pages]++] = first;
                return true;
            }
        }
        return pushShared(first, pages);
    }

    private synchronized boolean pushShared(final int first, final int pages)
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

    /**
     * Marks the path closed and empties the free lists and the owner's magazine. An fbuf the owner pushes to its
     * magazine while this runs is still found by the region's scan of the path's fbufs.
     */
    synchronized int[] close()
    {
        closed = true;
        int total = 0;
        for (final int count : freeCounts)
        {
            total += count;
        }
        for (final int count : magazineCounts)
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
        for (int pages = 0; pages < magazineCounts.length; pages++)
        {
            for (int i = 0; i < magazineCounts[pages]; i++)
            {
                cached[n++] = magazine[pages][i];
            }
            magazineCounts[pages] = 0;
        }
        return cached;
    }

    @Override
    public String toString()
    {
        return "IoPath{id=" + id + ", domains=" + Arrays.toString(domains) + ", mode=" + mode.shortName() + "}";
    }
}
