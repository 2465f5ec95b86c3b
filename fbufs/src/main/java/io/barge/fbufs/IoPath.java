package io.barge.fbufs;

import io.barge.core.Domain;

import java.util.Arrays;

/**
 * An I/O path: the ordered domains an fbuf allocated on it will cross, originator first, and its allocator.
 * Allocation names the path (seed 004: "at the time of allocation, the I/O data path is known"). With caching, a
 * freed fbuf goes to the path's free list for its size, still mapped along the path, and the next allocation of that
 * size takes it without mapping or zeroing.
 * <p>
 * Thread safe: any domain on the path may drop the last reference. The thread that allocates owns a small lock-free
 * magazine of free fbufs per size (Netty's thread caches are the model), filled by its own frees; other threads'
 * frees, and the owner's when its magazine is full, go to the shared free lists under a short lock. The magazine
 * follows allocation: a thread that is not the owner and finds the shared lists empty becomes the owner, and the old
 * owner's magazine is retired; its thread (the only one that touches its contents) moves them to the shared lists on
 * its next free or allocation. Cached fbufs do not count against the budget (only fbufs out do), so a retired
 * magazine never blocks the allocating thread.
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
    /** The allocating thread's magazine, or null before the first allocation. */
    private volatile Magazine magazine;
    /** Magazines of former owners that still hold fbufs; guarded by this. */
    private Magazine retired;

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
     * Allocates for a sender's claim: as {@link #allocate(int)}, but a kernel without a free frame is an
     * {@link io.barge.core.OutOfFramesException}, not back pressure (nothing is reserved).
     */
    long allocateForClaim(final int bytes)
    {
        return region.allocate(this, region.pagesFor(bytes), "fbufs tryClaim");
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
     * @return most pages of the path's fbufs out at once (cached fbufs do not count).
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
        final Magazine owned = magazine;
        if (owned != null)
        {
            total += owned.fbufs();
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            total += m.fbufs();
        }
        return total;
    }

    /**
     * Pages on the free lists, for the budget check (which counts only fbufs out). A magazine's counts are read
     * while its thread may change them: the figure is exact when the path is quiet and may lag by that thread's
     * operation in progress otherwise.
     */
    synchronized int cachedPages()
    {
        int total = 0;
        for (int pages = 0; pages < freeCounts.length; pages++)
        {
            total += freeCounts[pages] * pages;
        }
        final Magazine owned = magazine;
        if (owned != null)
        {
            total += owned.pages();
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            total += m.pages();
        }
        return total;
    }

    boolean isClosed()
    {
        return closed;
    }

    int popFree(final int pages)
    {
        final Magazine m = magazine;
        if (m != null && m.thread == Thread.currentThread())
        {
            final int[] counts = m.counts;
            if (pages < counts.length && counts[pages] > 0)
            {
                return m.lists[pages][--counts[pages]];
            }
        }
        return popShared(pages);
    }

    private synchronized int popShared(final int pages)
    {
        final Thread current = Thread.currentThread();
        drainRetired(current);
        if (pages < freeCounts.length && freeCounts[pages] > 0)
        {
            return freeLists[pages][--freeCounts[pages]];
        }
        final Magazine owned = magazine;
        if (owned == null || owned.thread != current)
        {
            // Nothing shared to take: this thread allocates, so its frees should feed its own allocations.
            if (owned != null && owned.fbufs() > 0)
            {
                owned.next = retired;
                retired = owned;
            }
            magazine = new Magazine(current);
        }
        return -1;
    }

    /** Moves this thread's retired magazines to the shared lists (only their thread touches their contents). */
    private void drainRetired(final Thread current)
    {
        Magazine previous = null;
        for (Magazine m = retired; m != null; m = m.next)
        {
            if (m.thread == current)
            {
                for (int pages = 0; pages < m.counts.length; pages++)
                {
                    while (m.counts[pages] > 0 && pushToList(m.lists[pages][m.counts[pages] - 1], pages))
                    {
                        m.counts[pages]--;
                    }
                }
                if (m.fbufs() == 0)
                {
                    if (previous == null)
                    {
                        retired = m.next;
                    }
                    else
                    {
                        previous.next = m.next;
                    }
                    continue;
                }
            }
            previous = m;
        }
    }

    boolean pushFree(final int first, final int pages)
    {
        if (closed)
        {
            return false;
        }
        final Magazine m = magazine;
        if (m != null && m.thread == Thread.currentThread() && m.push(first, pages))
        {
            return true;
        }
        return pushShared(first, pages);
    }

    private synchronized boolean pushShared(final int first, final int pages)
    {
        if (closed)
        {
            return false;
        }
        drainRetired(Thread.currentThread());
        return pushToList(first, pages);
    }

    /** @return false if the shared list for this size is full (the fbuf then goes back to the kernel). */
    private boolean pushToList(final int first, final int pages)
    {
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
        if (freeCounts[pages] == list.length)
        {
            return false;
        }
        list[freeCounts[pages]++] = first;
        return true;
    }

    /**
     * Marks the path closed and empties the free lists and the magazines. An fbuf an owner pushes to its magazine
     * while this runs is still found by the region's scan of the path's fbufs.
     */
    synchronized int[] close()
    {
        closed = true;
        int total = cachedFbufs();
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
        final Magazine owned = magazine;
        if (owned != null)
        {
            n = owned.takeAll(cached, n);
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            n = m.takeAll(cached, n);
        }
        retired = null;
        return n == cached.length ? cached : Arrays.copyOf(cached, n);
    }

    /** One thread's free fbufs per size; its lists are touched only by that thread (and by close). */
    private static final class Magazine
    {
        final Thread thread;
        int[][] lists = new int[0][];
        int[] counts = new int[0];
        /** Next retired magazine; guarded by the path's lock. */
        Magazine next;

        Magazine(final Thread thread)
        {
            this.thread = thread;
        }

        boolean push(final int first, final int pages)
        {
            if (pages >= counts.length)
            {
                lists = Arrays.copyOf(lists, pages + 1);
                counts = Arrays.copyOf(counts, pages + 1);
            }
            int[] list = lists[pages];
            if (list == null)
            {
                list = new int[MAGAZINE_SIZE];
                lists[pages] = list;
            }
            if (counts[pages] < MAGAZINE_SIZE)
            {
                list[counts[pages]++] = first;
                return true;
            }
            return false;
        }

        int fbufs()
        {
            int total = 0;
            for (final int count : counts)
            {
                total += count;
            }
            return total;
        }

        int pages()
        {
            final int[] snapshot = counts;
            int total = 0;
            for (int pages = 0; pages < snapshot.length; pages++)
            {
                total += snapshot[pages] * pages;
            }
            return total;
        }

        int takeAll(final int[] into, final int from)
        {
            int n = from;
            for (int pages = 0; pages < counts.length; pages++)
            {
                for (int i = 0; i < counts[pages] && n < into.length; i++)
                {
                    into[n++] = lists[pages][i];
                }
                counts[pages] = 0;
            }
            return n;
        }
    }

    @Override
    public String toString()
    {
        return "IoPath{id=" + id + ", domains=" + Arrays.toString(domains) + ", mode=" + mode.shortName() + "}";
    }
}
