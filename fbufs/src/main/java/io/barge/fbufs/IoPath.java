package io.barge.fbufs;

import io.barge.core.Domain;

import java.util.Arrays;

/**
 * An I/O path: the ordered domains an fbuf allocated on it will cross, originator first, and its allocator.
 * Allocation names the path (seed 004: "at the time of allocation, the I/O data path is known"). With caching, a
 * freed fbuf goes to the path's free list for its size, still mapped along the path, and the next allocation of that
 * size takes it without mapping or zeroing.
 * <p>
 * Thread safe: any domain on the path may drop the last reference. The thread that allocates owns a {@link Magazine}
 * of free fbufs per size (Netty's thread caches are the model), filled by its own frees and by the magazine's
 * {@link ReturnRing}, into which every other thread's frees go: when its stacks run dry the owner drains the ring, so
 * a cached fbuf crosses from the freeing core back to the allocating one without a lock, and in steady state the two
 * sides share no written line but the ring's slots. The shared free lists, under a short lock, take only what does
 * not fit (a full stack or ring) and serve threads that are not the owner.
 * <p>
 * The magazine follows allocation: a thread that is not the owner and finds the shared lists empty becomes the
 * owner, and the old owner's magazine is retired; its thread (the only one that touches its stacks and drains its
 * ring) moves its contents to the shared lists on its next allocation or locked free, and once that thread has ended
 * any thread does. A free that raced with the retirement and landed in the old ring puts the magazine back on the
 * retired list, so nothing waits there unseen. Cached fbufs do not count against the budget (only fbufs out do), so a
 * retired magazine never blocks the allocating thread.
 */
public final class IoPath
{
    /** Free fbufs per size the owner thread keeps without locking. */
    static final int MAGAZINE_SIZE = Magazine.SIZE;
    /** Most entries of a return ring. */
    static final int MAX_RETURN_RING = 1024;

    private final FbufRegion region;
    private final int id;
    private final Domain[] domains;
    private final FbufMode mode;
    private final int budgetPages;
    private final int ringCapacity;
    /** Pages held by the path's fbufs, cached ones included; guarded by the region's lock. */
    int pagesInUse;
    private int[][] freeLists = new int[0][];
    private int[] freeCounts = new int[0];
    private volatile boolean closed;
    /** The allocating thread's magazine, or null before the first allocation. */
    private volatile Magazine magazine;
    /** Magazines of former owners that may still hold fbufs; guarded by this. */
    private Magazine retired;
    /** Where a drain under the lock puts each ring entry: the shared lists, or the spill. */
    private final ReturnRing.Sink toShared = this::returnToShared;
    /** Entries a drain under the lock found no room for, to give back to the kernel outside it; guarded by this. */
    private final long[] spill = new long[2 * Magazine.SIZE];
    private int spillCount;

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
        // Room for every fbuf the budget lets out (one page each at most), so a return is refused only past it.
        this.ringCapacity = Math.min(MAX_RETURN_RING, Integer.highestOneBit(Math.max(1, 2 * budgetPages - 1)));
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
     * @return fbufs waiting on the free lists, the magazines and the return rings.
     */
    public synchronized int cachedFbufs()
    {
        int total = 0;
        for (final int count : freeCounts)
        {
            total += count;
        }
        final Magazine owned = magazine;
        if (owned != null && !owned.listed)
        {
            total += owned.fbufs() + owned.tallyReturns();
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            total += m.fbufs() + m.tallyReturns();
        }
        return total;
    }

    /**
     * Pages on the free lists, for the budget check (which counts only fbufs out). A magazine's counts and its ring
     * are read while its thread and other threads' frees may change them: the figure is exact when the path is quiet
     * and may lag by the operations in progress otherwise.
     */
    synchronized int cachedPages()
    {
        int total = 0;
        for (int pages = 0; pages < freeCounts.length; pages++)
        {
            total += freeCounts[pages] * pages;
        }
        final Magazine owned = magazine;
        if (owned != null && !owned.listed)
        {
            owned.tallyReturns();
            total += owned.pages() + owned.tallyPages();
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            m.tallyReturns();
            total += m.pages() + m.tallyPages();
        }
        return total;
    }

    boolean isClosed()
    {
        return closed;
    }

    /**
     * @param pages size wanted.
     * @return the first page of a free fbuf of that size, or -1: from the owner's magazine, refilled from its return
     *         ring when the stack is empty (no lock), else from the shared lists.
     */
    int popFree(final int pages)
    {
        final Magazine m = magazine;
        if (m != null && m.thread == Thread.currentThread())
        {
            int first = m.pop(pages);
            if (first >= 0)
            {
                return first;
            }
            if (m.refill() > 0 && (first = m.pop(pages)) >= 0)
            {
                return first;
            }
        }
        return popShared(pages);
    }

    private int popShared(final int pages)
    {
        final int first = popSharedLocked(pages);
        freeSpill();
        return first;
    }

    private synchronized int popSharedLocked(final int pages)
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
            // Nothing shared to take: this thread allocates, so its frees and other threads' should feed it.
            magazine = new Magazine(this, current, ringCapacity);
            if (owned != null)
            {
                list(owned);
                if (!owned.thread.isAlive())
                {
                    // Its thread has ended: nobody else can be draining it, so what it kept is shared at once.
                    drainRetired(current);
                    if (pages < freeCounts.length && freeCounts[pages] > 0)
                    {
                        return freeLists[pages][--freeCounts[pages]];
                    }
                }
            }
        }
        return -1;
    }

    /** Under the lock: puts a magazine that is no longer the owner's on the retired list (once). */
    private void list(final Magazine m)
    {
        if (!m.listed)
        {
            m.listed = true;
            m.next = retired;
            retired = m;
        }
    }

    /**
     * Under the lock: moves to the shared lists the retired magazines this thread may drain (its own, and those
     * whose thread has ended), and drops those left empty.
     */
    private void drainRetired(final Thread current)
    {
        Magazine previous = null;
        for (Magazine m = retired; m != null; m = m.next)
        {
            if ((m.thread == current || !m.thread.isAlive()) && m.drainTo(toShared))
            {
                m.listed = false;
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
            previous = m;
        }
    }

    /** A drain under the lock: an entry still free goes to the shared lists, or (full) to the spill. */
    private void returnToShared(final long entry)
    {
        final int pages = region.freeRunPages(entry, id);
        if (pages > 0 && !pushToList(ReturnRing.first(entry), pages))
        {
            spill[spillCount++] = entry;
        }
    }

    /** @return entries the spill can still take; guarded by this. */
    int spillRoom()
    {
        return spill.length - spillCount;
    }

    /** Gives back to the kernel what a drain under the lock spilled, outside the lock (the region's is never taken in
     * this one). */
    private void freeSpill()
    {
        while (true)
        {
            final long entry;
            synchronized (this)
            {
                if (spillCount == 0)
                {
                    return;
                }
                entry = spill[--spillCount];
            }
            region.freeCachedToKernel(entry, id);
        }
    }

    /**
     * A refill found no room in its magazine for an entry of another size: the shared lists take it, or the kernel.
     */
    void overflow(final long entry, final int pages)
    {
        final boolean kept;
        synchronized (this)
        {
            kept = !closed && pushToList(ReturnRing.first(entry), pages);
        }
        if (!kept)
        {
            region.freeCachedToKernel(entry, id);
        }
    }

    /**
     * A freed fbuf of this path: to the owner's magazine if this is the owner, else to the owner's return ring, else
     * (both full) to the shared lists.
     *
     * @param first      its first page.
     * @param pages      its size.
     * @param generation its state's generation after the free.
     * @return false if nothing can keep it (the path is closed or every list is full): it goes back to the kernel.
     */
    boolean pushFree(final int first, final int pages, final long generation)
    {
        if (closed)
        {
            return false;
        }
        final Magazine m = magazine;
        if (m != null)
        {
            if (m.thread == Thread.currentThread())
            {
                if (m.push(first, pages))
                {
                    return true;
                }
            }
            else if (m.returns.offer(ReturnRing.entry(generation, first)))
            {
                if (magazine != m)
                {
                    relist(m);
                }
                return true;
            }
        }
        return pushShared(first, pages);
    }

    /**
     * A free went into the ring of a magazine retired meanwhile: make sure it is on the retired list, where its
     * thread (or, once that has ended, anyone) drains it. The claim on the ring's tail came before this thread read
     * the new magazine, so a drain that saw the ring empty and dropped the magazine ran before the claim; listing it
     * again here is what finds the entry.
     */
    private synchronized void relist(final Magazine m)
    {
        if (magazine != m)
        {
            list(m);
        }
    }

    private boolean pushShared(final int first, final int pages)
    {
        final boolean kept = pushSharedLocked(first, pages);
        freeSpill();
        return kept;
    }

    private synchronized boolean pushSharedLocked(final int first, final int pages)
    {
        if (closed)
        {
            return false;
        }
        drainRetired(Thread.currentThread());
        return pushToList(first, pages);
    }

    /**
     * Under the lock.
     *
     * @return false if the shared list for this size is full (the fbuf then goes back to the kernel).
     */
    boolean pushToList(final int first, final int pages)
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
     * Marks the path closed and empties the free lists and the magazines' stacks. An fbuf an owner pushes to its
     * magazine while this runs, and every fbuf in a return ring, is still found by the region's scan of the path's
     * fbufs.
     */
    synchronized int[] close()
    {
        closed = true;
        int total = 0;
        for (final int count : freeCounts)
        {
            total += count;
        }
        final Magazine owned = magazine;
        if (owned != null && !owned.listed)
        {
            total += owned.fbufs();
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            total += m.fbufs();
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
        if (owned != null && !owned.listed)
        {
            n = owned.takeAll(cached, n);
        }
        for (Magazine m = retired; m != null; m = m.next)
        {
            n = m.takeAll(cached, n);
            m.listed = false;
        }
        retired = null;
        return n == cached.length ? cached : Arrays.copyOf(cached, n);
    }

    @Override
    public String toString()
    {
        return "IoPath{id=" + id + ", domains=" + Arrays.toString(domains) + ", mode=" + mode.shortName() + "}";
    }
}
