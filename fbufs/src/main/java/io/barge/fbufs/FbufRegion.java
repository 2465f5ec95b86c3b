package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import io.barge.core.Rights;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The fbuf region and its trusted bookkeeping: a range of virtual pages the kernel reserved at the same address in
 * every domain (restricted dynamic read sharing, seed 004 optimisation 1), carved into fbufs of one or more pages,
 * each backed by frames owned by the originator of its {@link IoPath}.
 * <p>
 * This class plays the kernel's part of the fbuf facility: it alone maps, protects and frees fbuf frames (through
 * {@link Kernel}, so every operation is counted), and it keeps each fbuf's reference count. Its state lives in
 * arrays indexed by region page, so a domain hands another an fbuf only as an address; no Java object crosses.
 * <p>
 * An fbuf is named by a handle, {@code generation << 32 | firstPage}. The generation changes each time the fbuf is
 * freed (to a free list or to the kernel), so a release or retain with a stale handle raises
 * {@link BufferStateException} instead of corrupting the next user's count.
 * <p>
 * Which seed 004 overhead each operation counts (per fbuf of {@code P} pages):
 * <ul>
 *     <li>1.1 reserve a run in the region: {@code VIRTUAL_RANGE_OPS} +1 on the originator.</li>
 *     <li>1.2 allocate and zero frames: {@code FRAMES_ALLOCATED} and {@code FRAMES_ZEROED} +P.</li>
 *     <li>1.3 map into the originator: {@code PAGE_TABLE_UPDATES} +P (a cached fbuf also maps into the rest of its
 *     path on its first trip; steady state does not repeat it).</li>
 *     <li>2.2 raise protection (not volatile): {@code PROTECTION_CHANGES} and {@code PAGE_TABLE_UPDATES} +P; a
 *     cached non-volatile fbuf gets the write right back on reuse (+P each again).</li>
 *     <li>2.3 flush the originator's translation cache after raising: {@code TLB_FLUSHES} +1 per message.</li>
 *     <li>3.2 map into a receiver (uncached): {@code PAGE_TABLE_UPDATES} +P on the receiver.</li>
 *     <li>4.1 release the run: {@code VIRTUAL_RANGE_OPS} +1; 4.2 unmap everywhere: {@code PAGE_TABLE_UPDATES} +P per
 *     mapping domain and {@code TLB_FLUSHES} +1 per domain; 4.3 free frames: {@code FRAMES_FREED} +P.</li>
 * </ul>
 * 2.1 and 3.3 (aggregate lists) are counted by the channel ends as {@code AGGREGATE_OPS}; 3.1 never happens.
 */
public final class FbufRegion implements AutoCloseable
{
    /** Returned by allocation when the path's budget, the region or physical memory is exhausted. */
    public static final long NO_FBUF = -1L;
    /** Longest I/O path, in domains. */
    public static final int MAX_PATH_LENGTH = 16;

    private static final VarHandle STATE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int WRITABLE = 1 << 31;

    private final Kernel kernel;
    private final int pageShift;
    private final long base;
    private final int pageCount;
    private final PageRunAllocator runs;
    // Per fbuf, indexed by its first page.
    private final long[] state;
    private final int[] runPages;
    private final int[] pathOf;
    private final int[] mapped;
    // Per page.
    private final int[] frameOf;
    private final int[] firstOf;
    private final IoPath[] paths = new IoPath[1024];
    private final int[] frameScratch;
    private final LeakDetector leakDetector = new LeakDetector("fbuf aggregate");
    private int liveFbufs;
    private boolean closed;

    /**
     * @param kernel    the machine.
     * @param pageCount pages to reserve in the global window.
     */
    public FbufRegion(final Kernel kernel, final int pageCount)
    {
        if (pageCount < 1)
        {
            throw new IllegalArgumentException("pageCount=" + pageCount + " must be positive");
        }
        this.kernel = kernel;
        this.pageShift = kernel.memory().frameShift();
        this.pageCount = pageCount;
        this.base = kernel.reserveGlobal(pageCount);
        this.runs = new PageRunAllocator(pageCount);
        this.state = new long[pageCount];
        this.runPages = new int[pageCount];
        this.pathOf = new int[pageCount];
        this.mapped = new int[pageCount];
        this.frameOf = new int[pageCount];
        this.firstOf = new int[pageCount];
        this.frameScratch = new int[pageCount];
        Arrays.fill(firstOf, -1);
        Arrays.fill(pathOf, -1);
    }

    /**
     * @return the leak detector for aggregates and buffer views over this region's fbufs.
     */
    public LeakDetector leakDetector()
    {
        return leakDetector;
    }

    /**
     * @return the kernel.
     */
    public Kernel kernel()
    {
        return kernel;
    }

    /**
     * @return the region's first virtual address, the same in every domain.
     */
    public long base()
    {
        return base;
    }

    /**
     * @return the region's length in bytes.
     */
    public long length()
    {
        return (long)pageCount << pageShift;
    }

    /**
     * @return bytes per page.
     */
    public int pageSize()
    {
        return 1 << pageShift;
    }

    /**
     * @param bytes a length.
     * @return pages needed to hold it (at least one).
     */
    public int pagesFor(final long bytes)
    {
        return (int)Math.max(1, (bytes + pageSize() - 1) >>> pageShift);
    }

    /**
     * Overflow-safe check that a range lies inside the region.
     *
     * @param address first byte.
     * @param length  bytes.
     * @return whether {@code [address, address + length)} is inside the region and the length is not negative.
     */
    public boolean contains(final long address, final long length)
    {
        return length >= 0 && address >= base && address - base <= length() - length;
    }

    // ---- paths -------------------------------------------------------------------------------------------------

    /**
     * Creates an I/O path: fbufs allocated on it originate at {@code domains[0]} and will cross the rest in order.
     *
     * @param domains     the path, originator first.
     * @param mode        cached and volatile settings (integrated is the channels' business).
     * @param budgetPages most pages of the path's fbufs out at once (fbufs on its free lists do not count).
     * @return the path.
     */
    public synchronized IoPath createPath(final Domain[] domains, final FbufMode mode, final int budgetPages)
    {
        checkOpen();
        if (domains.length < 1 || domains.length > MAX_PATH_LENGTH)
        {
            throw new IllegalArgumentException("path length=" + domains.length + " must be in [1, " +
                MAX_PATH_LENGTH + "]");
        }
        for (int id = 0; id < paths.length; id++)
        {
            if (paths[id] == null)
            {
                final IoPath path = new IoPath(this, id, domains.clone(), mode, budgetPages);
                paths[id] = path;
                return path;
            }
        }
        throw new IllegalStateException("too many open paths: " + paths.length);
    }

    /**
     * Closes a path: every fbuf it owns is freed at once, whoever still holds it (their handles go stale), and
     * every frame returns to the kernel.
     *
     * @param path an open path of this region.
     */
    public void closePath(final IoPath path)
    {
        final int[] cached = path.close();
        for (final int first : cached)
        {
            reclaim(first, path.id());
        }
        synchronized (this)
        {
            for (int first = 0; first < pageCount; first++)
            {
                if (pathOf[first] == path.id() && runPages[first] > 0)
                {
                    reclaim(first, path.id());
                }
            }
            paths[path.id()] = null;
        }
    }

    private synchronized void reclaim(final int first, final int pathId)
    {
        while (pathOf[first] == pathId && runPages[first] > 0)
        {
            final long s = (long)STATE.getVolatile(state, first);
            if (STATE.compareAndSet(state, first, s, nextGeneration(s)))
            {
                freeToKernel(first, pathId);
                return;
            }
        }
    }

    // ---- allocation --------------------------------------------------------------------------------------------

    long allocate(final IoPath path, final int pages)
    {
        return allocate(path, pages, null);
    }

    /**
     * @param outOfFrames null to report a kernel without free frames as {@link #NO_FBUF}; otherwise the operation
     *                    (e.g. {@code "fbufs tryClaim"}) an {@link OutOfFramesException} names instead, so that a
     *                    caller tells out of memory from back pressure.
     */
    long allocate(final IoPath path, final int pages, final String outOfFrames)
    {
        if (pages < 1 || pages > path.budgetPages())
        {
            throw new IllegalArgumentException("pages=" + pages + " must be in [1, " + path.budgetPages() +
                "] (the path's budget)");
        }
        if (path.isClosed())
        {
            return NO_FBUF;
        }
        if (path.mode().cached())
        {
            final int first = path.popFree(pages);
            if (first >= 0)
            {
                if (!path.mode().isVolatile() && (mapped[first] & WRITABLE) == 0)
                {
                    restoreWrite(path, first);
                }
                final long s = (long)STATE.getVolatile(state, first);
                STATE.setRelease(state, first, (s & 0xFFFF_FFFF_0000_0000L) | 1L);
                return (s & 0xFFFF_FFFF_0000_0000L) | first;
            }
        }
        return allocateFresh(path, pages, outOfFrames);
    }

    private synchronized void restoreWrite(final IoPath path, final int first)
    {
        final Domain originator = path.originator();
        for (int i = 0; i < runPages[first]; i++)
        {
            kernel.protect(originator, pageAddress(first + i), Rights.READ_WRITE);
        }
        mapped[first] |= WRITABLE;
    }

    /**
     * Fills {@code frameScratch}. A cached fbuf is created once per path and then reused, so it is worth a run of
     * physically consecutive frames (the free-stack scan is cold here): user views over it take the one-run fast
     * path. Scattered frames when no run is free, and for uncached fbufs, created per message.
     */
    private void allocateFrames(final Domain originator, final int pages, final boolean contiguous)
    {
        if (contiguous && pages > 1)
        {
            try
            {
                final int frame = kernel.allocateContiguousFrames(originator, pages, true);
                for (int i = 0; i < pages; i++)
                {
                    frameScratch[i] = frame + i;
                }
                return;
            }
            catch (final OutOfFramesException fragmented)
            {
                // fall through: scattered frames; views still work, page by page
            }
        }
        kernel.allocateFrames(originator, pages, true, frameScratch);
    }

    private synchronized long allocateFresh(final IoPath path, final int pages, final String outOfFrames)
    {
        checkOpen();
        final int cachedPages = path.mode().cached() ? path.cachedPages() : 0;
        if (path.isClosed() || path.pagesInUse - cachedPages + pages > path.budgetPages())
        {
            return NO_FBUF;
        }
        final int first = runs.reserve(pages);
        if (first < 0)
        {
            return NO_FBUF;
        }
        final Domain originator = path.originator();
        try
        {
            allocateFrames(originator, pages, path.mode().cached());
        }
        catch (final OutOfFramesException ex)
        {
            runs.release(first, pages);
            if (outOfFrames != null)
            {
                throw new OutOfFramesException(outOfFrames + ": no free frame for an fbuf of " + pages +
                    " page(s) on " + path + " (" + ex.getMessage() + ")");
            }
            return NO_FBUF;
        }
        pinAll(originator, pages, first);
        if (path.isClosed())
        {
            // The allocation asked the kernel to reclaim, and that ran this path's deferred teardown meanwhile.
            for (int i = 0; i < pages; i++)
            {
                unpinAndFree(originator, frameScratch[i]);
            }
            runs.release(first, pages);
            return NO_FBUF;
        }
        originator.count(CounterType.VIRTUAL_RANGE_OPS, 1);
        runPages[first] = pages;
        for (int i = 0; i < pages; i++)
        {
            frameOf[first + i] = frameScratch[i];
            firstOf[first + i] = first;
        }
        pathOf[first] = path.id();
        mapped[first] = 0;
        path.pagesInUse += pages;
        liveFbufs++;
        try
        {
            for (int i = 0; i < pages; i++)
            {
                kernel.map(originator, pageAddress(first + i), frameScratch[i], Rights.READ_WRITE);
            }
            mapped[first] = WRITABLE | 1;
            if (path.mode().cached())
            {
                // A cached fbuf is mapped along its whole path once, on its first trip; reuse maps nothing.
                for (int pos = 1; pos < path.length(); pos++)
                {
                    mapInto(first, originator, path.domain(pos));
                    mapped[first] |= 1 << pos;
                }
            }
        }
        catch (final RuntimeException ex)
        {
            // A domain of the path died while the fbuf was being mapped: everything goes back as for a free.
            freeToKernel(first, path.id());
            throw ex;
        }
        // A new generation: a handle a teardown made stale while it was being reused from a free list (its holder
        // may still release it) can never name this fbuf.
        final long live = nextGeneration((long)STATE.getVolatile(state, first)) | 1L;
        STATE.setRelease(state, first, live);
        return (live & 0xFFFF_FFFF_0000_0000L) | first;
    }

    /**
     * Pins the fresh fbuf's frames (in {@code frameScratch}) for as long as the region holds them: the ends of a hop
     * reach them raw and free them only once quiescent ({@link FbufChannel}), so the originator's death must orphan
     * them rather than free them. On failure (the originator died meanwhile) nothing stays pinned or reserved.
     */
    private void pinAll(final Domain originator, final int pages, final int first)
    {
        int pinned = 0;
        try
        {
            for (; pinned < pages; pinned++)
            {
                kernel.pinFrame(originator, frameScratch[pinned]);
            }
        }
        catch (final RuntimeException ex)
        {
            for (int i = 0; i < pages; i++)
            {
                if (i < pinned)
                {
                    unpinAndFree(originator, frameScratch[i]);
                }
                else
                {
                    freeFrameOf(originator, frameScratch[i]);
                }
            }
            runs.release(first, pages);
            throw ex;
        }
    }

    private void mapInto(final int first, final Domain originator, final Domain target)
    {
        for (int i = 0; i < runPages[first]; i++)
        {
            final long offer = kernel.offerShare(originator, frameOf[first + i], target, Rights.READ);
            kernel.acceptShare(target, offer, pageAddress(first + i), Rights.READ);
        }
    }

    // ---- reference counts --------------------------------------------------------------------------------------

    /**
     * Adds a reference.
     *
     * @param handle a live fbuf.
     * @throws BufferStateException if the handle is stale (the fbuf was freed).
     */
    public void retain(final long handle)
    {
        final int first = checkHandle(handle);
        while (true)
        {
            final long s = (long)STATE.getVolatile(state, first);
            checkLive(handle, s);
            if (STATE.compareAndSet(state, first, s, s + 1))
            {
                return;
            }
        }
    }

    /**
     * Drops a reference; the last one frees the fbuf (to its path's free list when cached).
     *
     * @param handle a live fbuf.
     * @throws BufferStateException on a double release or a release after free.
     */
    public void release(final long handle)
    {
        final int first = checkHandle(handle);
        while (true)
        {
            final long s = (long)STATE.getVolatile(state, first);
            checkLive(handle, s);
            final boolean last = (int)s == 1;
            final long next = last ? nextGeneration(s) : s - 1;
            if (STATE.compareAndSet(state, first, s, next))
            {
                if (last)
                {
                    free(first, next >>> 32);
                }
                return;
            }
        }
    }

    /**
     * @param handle an fbuf handle.
     * @return whether it names a live fbuf (references held).
     */
    public boolean isLive(final long handle)
    {
        if (handle == NO_FBUF || (int)handle < 0 || (int)handle >= pageCount)
        {
            return false;
        }
        final long s = (long)STATE.getVolatile(state, (int)handle);
        return (s >>> 32) == (handle >>> 32) && (int)s > 0;
    }

    /**
     * @param handle a live fbuf.
     * @return its reference count.
     */
    public int refCount(final long handle)
    {
        final int first = checkHandle(handle);
        final long s = (long)STATE.getVolatile(state, first);
        return (s >>> 32) == (handle >>> 32) ? (int)s : 0;
    }

    private static long nextGeneration(final long s)
    {
        return ((s >>> 32) + 1) << 32;
    }

    private static void checkLive(final long handle, final long s)
    {
        if ((s >>> 32) != (handle >>> 32) || (int)s <= 0)
        {
            throw new BufferStateException("fbuf handle=0x" + Long.toHexString(handle) +
                " is not live (released twice, or used after its last release)");
        }
    }

    /**
     * Under this region's lock, where fbufs are freed: a stale handle (its fbuf freed, or reclaimed by a teardown,
     * and the pages perhaps another fbuf's by now) is refused before any rights or mappings change.
     */
    private int checkHeld(final long handle)
    {
        final int first = checkHandle(handle);
        checkLive(handle, (long)STATE.getVolatile(state, first));
        if (runPages[first] == 0)
        {
            throw new BufferStateException("fbuf handle=0x" + Long.toHexString(handle) + " was reclaimed");
        }
        return first;
    }

    private int checkHandle(final long handle)
    {
        final int first = (int)handle;
        if (handle == NO_FBUF || first < 0 || first >= pageCount)
        {
            throw new IllegalArgumentException("handle=0x" + Long.toHexString(handle) + " names no fbuf");
        }
        return first;
    }

    private void free(final int first, final long generation)
    {
        final int pathId = pathOf[first];
        if (pathId < 0)
        {
            return; // reclaimed by a path teardown while a stale handle was being dropped
        }
        final IoPath path = paths[pathId];
        if (path != null && path.mode().cached() && path.pushFree(first, runPages[first], generation))
        {
            return;
        }
        freeToKernel(first, pathId);
    }

    /**
     * For a path's allocator taking an entry out of its {@link ReturnRing}: whether it still names a free fbuf of the
     * path (a teardown may have reclaimed it, and its pages may be another fbuf's by now). Takes no lock.
     *
     * @param entry  a ring entry.
     * @param pathId the path.
     * @return the fbuf's pages, or -1 if the entry is stale.
     */
    int freeRunPages(final long entry, final int pathId)
    {
        final int first = ReturnRing.first(entry);
        if (first < 0 || first >= pageCount)
        {
            return -1;
        }
        // Acquire: a free (or teardown) seen in the state comes with the bookkeeping written before it.
        final long s = (long)STATE.getAcquire(state, first);
        if (s != ReturnRing.generation(entry) << 32 || pathOf[first] != pathId)
        {
            return -1;
        }
        final int pages = runPages[first];
        return pages > 0 ? pages : -1;
    }

    /**
     * Gives a free fbuf a path's allocator has no room for back to the kernel, unless a teardown took it first (a new
     * generation makes the claim exclusive).
     *
     * @param entry  a ring entry naming a free fbuf.
     * @param pathId its path.
     */
    synchronized void freeCachedToKernel(final long entry, final int pathId)
    {
        final int first = ReturnRing.first(entry);
        final long free = ReturnRing.generation(entry) << 32;
        if (STATE.compareAndSet(state, first, free, nextGeneration(free)))
        {
            freeToKernel(first, pathId);
        }
    }

    private synchronized void freeToKernel(final int first, final int pathId)
    {
        final int pages = runPages[first];
        if (pages == 0 || pathOf[first] != pathId)
        {
            return; // already reclaimed by a path teardown that raced with the last release
        }
        final IoPath path = paths[pathOf[first]];
        final Domain originator = path.originator();
        final int mask = mapped[first];
        for (int pos = 0; pos < path.length(); pos++)
        {
            final Domain domain = path.domain(pos);
            if ((mask & (1 << pos)) != 0 && domain.isAlive())
            {
                unmapFrom(domain, first, pages);
            }
        }
        for (int i = 0; i < pages; i++)
        {
            unpinAndFree(originator, frameOf[first + i]);
            firstOf[first + i] = -1;
            frameOf[first + i] = 0;
        }
        runs.release(first, pages);
        if (originator.isAlive())
        {
            originator.count(CounterType.VIRTUAL_RANGE_OPS, 1);
        }
        runPages[first] = 0;
        mapped[first] = 0;
        pathOf[first] = -1;
        path.pagesInUse -= pages;
        liveFbufs--;
    }

    /**
     * A domain may die at any moment (its destruction does not take this lock): once it is dead the kernel clears
     * its page table and frees its frames itself, so a failure then is no reason to stop giving the rest back. On a
     * live domain a failure is a bug and propagates.
     */
    private void unmapFrom(final Domain domain, final int first, final int pages)
    {
        try
        {
            for (int i = 0; i < pages; i++)
            {
                kernel.unmap(domain, pageAddress(first + i));
            }
            kernel.flush(domain);
        }
        catch (final RuntimeException ex)
        {
            if (domain.isAlive())
            {
                throw ex;
            }
        }
    }

    /**
     * Drops the region's pin and frees the frame, lock-free: the last unpin of an orphan (its originator died) frees
     * it; a frame of a dying originator is freed by its destruction; else it is freed here.
     */
    private void unpinAndFree(final Domain originator, final int frame)
    {
        kernel.unpinFrame(frame);
        if (originator.isAlive())
        {
            freeFrameOf(originator, frame);
        }
    }

    private void freeFrameOf(final Domain originator, final int frame)
    {
        try
        {
            kernel.freeFrame(originator, frame);
        }
        catch (final RuntimeException ex)
        {
            if (originator.isAlive())
            {
                throw ex;
            }
        }
    }

    // ---- transfer ----------------------------------------------------------------------------------------------

    /**
     * Eager protection raising (seed 004 overhead 2.2): removes the originator's write right from an fbuf it is
     * sending. Does nothing if the right is already gone. The caller flushes once per message (2.3).
     *
     * @param handle a live fbuf.
     * @return whether rights were changed.
     */
    public synchronized boolean raiseProtection(final long handle)
    {
        final int first = checkHeld(handle);
        if ((mapped[first] & WRITABLE) == 0)
        {
            return false;
        }
        final Domain originator = paths[pathOf[first]].originator();
        for (int i = 0; i < runPages[first]; i++)
        {
            kernel.protect(originator, pageAddress(first + i), Rights.READ);
        }
        mapped[first] &= ~WRITABLE;
        return true;
    }

    /**
     * Flushes a domain's translation cache (seed 004 overhead 2.3).
     *
     * @param domain the domain whose rights were lowered.
     */
    public void flush(final Domain domain)
    {
        kernel.flush(domain);
    }

    /**
     * Makes an fbuf readable by a domain of its path if it is not yet (seed 004 overhead 3.2).
     *
     * @param handle a live fbuf.
     * @param target a domain on the fbuf's path.
     * @return whether a mapping was added.
     */
    public synchronized boolean mapForReceiver(final long handle, final Domain target)
    {
        final int first = checkHeld(handle);
        final IoPath path = paths[pathOf[first]];
        final int pos = path.positionOf(target);
        if (pos < 0)
        {
            throw new IllegalArgumentException("domain " + target + " is not on the path of fbuf handle=0x" +
                Long.toHexString(handle));
        }
        if ((mapped[first] & (1 << pos)) != 0)
        {
            return false;
        }
        mapInto(first, path.originator(), target);
        mapped[first] |= 1 << pos;
        return true;
    }

    // ---- lookups -----------------------------------------------------------------------------------------------

    /**
     * @param handle a live fbuf handle.
     * @return its first virtual address.
     */
    public long address(final long handle)
    {
        return pageAddress(checkHandle(handle));
    }

    /**
     * @param handle a live fbuf handle.
     * @return its length in bytes.
     */
    public int capacity(final long handle)
    {
        return runPages[checkHandle(handle)] << pageShift;
    }

    /**
     * Finds the live fbuf holding a range, for a receiver turning validated addresses into references.
     *
     * @param address first byte.
     * @param length  bytes.
     * @return the handle of the fbuf that holds the whole range, or {@link #NO_FBUF}.
     */
    public long handleAt(final long address, final int length)
    {
        if (!contains(address, length))
        {
            return NO_FBUF;
        }
        final int page = (int)((address - base) >>> pageShift);
        final int first = firstOf[page];
        if (first < 0)
        {
            return NO_FBUF;
        }
        final long end = pageAddress(first) + ((long)runPages[first] << pageShift);
        if (address + length > end)
        {
            return NO_FBUF;
        }
        final long s = (long)STATE.getVolatile(state, first);
        return (int)s > 0 ? (s & 0xFFFF_FFFF_0000_0000L) | first : NO_FBUF;
    }

    /**
     * @param handle a live fbuf.
     * @return the path it was allocated on.
     */
    public IoPath pathOf(final long handle)
    {
        return paths[pathOf[checkHandle(handle)]];
    }

    /**
     * @return fbufs that hold frames, cached ones included.
     */
    public synchronized int liveFbufs()
    {
        return liveFbufs;
    }

    /**
     * @return fbufs with references held (not free, not on a free list).
     */
    public synchronized int heldFbufs()
    {
        int held = 0;
        for (int first = 0; first < pageCount; first++)
        {
            if (runPages[first] > 0 && (int)(long)STATE.getVolatile(state, first) > 0)
            {
                held++;
            }
        }
        return held;
    }

    private long pageAddress(final int page)
    {
        return base + ((long)page << pageShift);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("fbuf region is closed");
        }
    }

    /**
     * Closes every path (freeing every fbuf) and gives the virtual range back.
     */
    @Override
    public void close()
    {
        final IoPath[] open;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            open = paths.clone();
        }
        for (final IoPath path : open)
        {
            if (path != null)
            {
                closePath(path);
            }
        }
        synchronized (this)
        {
            closed = true;
            if (kernel.kernelDomain().isAlive())
            {
                kernel.unreserveGlobal(base, pageCount);
            }
        }
    }
}
