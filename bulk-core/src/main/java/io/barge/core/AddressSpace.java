package io.barge.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A domain's view of memory: a two-level page table from virtual pages to frames with rights, and a direct-mapped
 * translation cache of {@value #TLB_SIZE} entries in front of it (the size class of a current x86 core's second-level
 * TLB, 1536 to 2048 entries: a driver's or a transport's pool of a few hundred pages stays translated, as it would on
 * the hardware this simulates).
 * <p>
 * Every access translates its virtual address; a page with no mapping or without the right raises a
 * {@link ProtectionFault} before any byte moves (multi-page accesses check every page first). Only the
 * {@link Kernel} changes the page table; translation is lock free so that domains on different threads never
 * contend. Unlike a bare hardware TLB, no cached entry outlives the page-table change that removed or downgraded
 * it: a change waits for the walks that may have read the old table before it drops entries (two-phase walker
 * counts), and only then does the kernel lower the frame's map count, so a frame whose count reached 0 is reached by
 * no entry here and can be reused. An access already translated when the change happened completes, as on real
 * hardware before a shootdown.
 * <p>
 * Virtual layout, in pages: page 0 is never mapped; {@code [1, privateLimit)} holds each domain's private
 * mappings; {@code [privateLimit, maxPages)} is the global window the kernel reserves at the same address in every
 * domain (used for fbufs' restricted dynamic read sharing).
 */
public final class AddressSpace
{
    static final int TABLE_BITS = 10;
    static final int TABLE_SIZE = 1 << TABLE_BITS;
    static final int TABLE_MASK = TABLE_SIZE - 1;
    static final int TLB_SIZE = 1024;
    static final int TLB_MASK = TLB_SIZE - 1;
    /** Longs between the two walker counts: each on its own pair of cache lines. */
    private static final int WALKER_STRIDE = 16;

    // PTE: bit 0 present, bits 1-2 rights, bits 32-63 frame.
    static final long PTE_PRESENT = 1L;
    static final int PTE_RIGHTS_SHIFT = 1;
    static final int PTE_FRAME_SHIFT = 32;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TABLES = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle MAPPING_EPOCH;
    private static final VarHandle FLUSHES;

    static
    {
        try
        {
            MAPPING_EPOCH = MethodHandles.lookup().findVarHandle(AddressSpace.class, "mappingEpoch", long.class);
            FLUSHES = MethodHandles.lookup().findVarHandle(AddressSpace.class, "flushes", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Domain domain;
    private final PhysicalMemory memory;
    private final UnsafeBuffer physical;
    // Raw address of the region when it is off-heap (always, for direct and mapped memory). Word accesses use it:
    // a raw access lets the compiler keep the caller's fields in registers across it, which an UnsafeBuffer access
    // (whose base may be a heap array) does not. Translation already bounds every offset to a mapped frame.
    private final boolean raw;
    private final long rawBase;
    private final int pageShift;
    private final long pageMask;
    private final int maxPages;
    private final long[][] directory;
    // TLB slot i: tlb[2i] the entry, (vpn + 1) << 32 | frame << 2 | rights (0 is empty); tlb[2i + 1] the number of
    // full flushes when it was filled. An entry counts only while that number equals flushes, so a full flush is one
    // store, not one per slot; the pair shares a cache line.
    private final long[] tlb = new long[2 * TLB_SIZE];
    // Full flushes so far. One writer (the domain's page-table lock); read opaque on every translation.
    @SuppressWarnings("unused") // accessed through FLUSHES
    private long flushes;
    // Bumped (under the domain's page-table lock) by every page-table change and flush. The change then waits for
    // the walks registered under the old generation (walkers[0] for even, walkers[WALKER_STRIDE] for odd) before it
    // drops entries, so an entry cached by a walk that read the table before the change never outlives the change.
    private volatile long generation;
    private final long[] walkers = new long[2 * WALKER_STRIDE];
    // Bumped (under the domain's page-table lock) after every change that removes or downgrades a mapping. Views
    // that hold translations past one access (translateView) compare it on each access and re-translate when it
    // moved, so a view never outlives the unmap of a page it covers. Written volatile, read plain (see
    // mappingEpoch()).
    @SuppressWarnings("unused") // accessed through MAPPING_EPOCH
    private volatile long mappingEpoch;

    AddressSpace(final Domain domain, final PhysicalMemory memory, final int maxPages)
    {
        this.domain = domain;
        this.memory = memory;
        this.physical = memory.buffer();
        this.raw = physical.byteArray() == null;
        this.rawBase = physical.addressOffset();
        this.pageShift = memory.frameShift();
        this.pageMask = memory.frameSize() - 1;
        this.maxPages = maxPages;
        this.directory = new long[(maxPages + TABLE_SIZE - 1) >>> TABLE_BITS][];
    }

    /**
     * @return the domain this address space belongs to.
     */
    public Domain domain()
    {
        return domain;
    }

    /**
     * @return bytes per page, equal to the frame size.
     */
    public int pageSize()
    {
        return (int)pageMask + 1;
    }

    /**
     * @return number of virtual pages this space spans.
     */
    public int maxPages()
    {
        return maxPages;
    }

    /**
     * Translates one address for one access.
     *
     * @param address virtual address.
     * @param access  the access to check.
     * @return offset of the byte in physical memory.
     * @throws ProtectionFault if unmapped or the right is missing.
     */
    int translate(final long address, final Access access)
    {
        final long vpn = address >>> pageShift;
        final int slot = ((int)vpn & TLB_MASK) << 1;
        // Acquire the fill's tag, then the entry: a tag that counts was released after its entry (translateSlow),
        // so the entry read here is that fill's or a later one, never one left from before the last flush.
        final long filledAt = (long)LONGS.getAcquire(tlb, slot + 1);
        final long entry = (long)LONGS.getOpaque(tlb, slot);
        final int need = Rights.required(access);
        if ((entry >>> 32) == vpn + 1 && (entry & need) == need && filledAt == (long)FLUSHES.getOpaque(this))
        {
            return memory.frameOffset((int)(entry >>> 2) & 0x3FFF_FFFF) + (int)(address & pageMask);
        }
        return translateSlow(address, access, vpn, slot, need);
    }

    private int translateSlow(final long address, final Access access, final long vpn, final int slot, final int need)
    {
        if (address < 0 || vpn >= maxPages)
        {
            throw fault(address, access, "outside the address space of " + maxPages + " pages");
        }
        final int phase = enterWalk();
        final long pte;
        try
        {
            pte = pte(vpn);
            final int rights = (int)(pte >>> PTE_RIGHTS_SHIFT) & 3;
            if ((pte & PTE_PRESENT) != 0 && (rights & need) == need)
            {
                // Read inside the walk: a walk that read the table before a flush ends before the flush counts
                // (changed() waits for it), so its tag is an old count and its entry never counts after the flush.
                final long filledAt = (long)FLUSHES.getOpaque(this);
                LONGS.setOpaque(tlb, slot, ((vpn + 1) << 32) | ((pte >>> PTE_FRAME_SHIFT) << 2) | rights);
                LONGS.setRelease(tlb, slot + 1, filledAt);
                return memory.frameOffset((int)(pte >>> PTE_FRAME_SHIFT)) + (int)(address & pageMask);
            }
        }
        finally
        {
            // Release: a kernel change waiting for this walk sees the entry it cached, and drops it if stale.
            LONGS.getAndAddRelease(walkers, phase, -1L);
        }
        throw fault(address, access, refusal(pte));
    }

    private static String refusal(final long pte)
    {
        return (pte & PTE_PRESENT) == 0 ? "page not mapped" :
            "mapping has rights " + Rights.name((int)(pte >>> PTE_RIGHTS_SHIFT) & 3);
    }

    /**
     * Registers a page-table walk in the phase of the current generation (two-phase, as RCU does), so that a
     * page-table change waits for every walk that may have read the table before it.
     *
     * @return the index of the phase's walker count.
     */
    private int enterWalk()
    {
        while (true)
        {
            final long seen = generation;
            final int phase = (int)(seen & 1) * WALKER_STRIDE;
            // Full fence (atomic add) against changed(): the kernel sees this walk, or this walk sees the change.
            LONGS.getAndAdd(walkers, phase, 1L);
            if (generation == seen)
            {
                return phase;
            }
            LONGS.getAndAdd(walkers, phase, -1L);
        }
    }

    private ProtectionFault fault(final long address, final Access access, final String reason)
    {
        return new ProtectionFault(domain.id(), domain.name(), address, access, reason);
    }

    /**
     * Checks that every page of a range is mapped with the right for an access.
     *
     * @param address first byte.
     * @param length  bytes.
     * @param access  the access.
     * @throws ProtectionFault at the first page that fails.
     */
    public void checkRange(final long address, final int length, final Access access)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("length=" + length + " must not be negative");
        }
        if (length == 0)
        {
            return;
        }
        final long last = address + length - 1;
        for (long page = address & ~pageMask; page <= last; page += pageMask + 1)
        {
            translate(Math.max(page, address), access);
        }
    }

    /**
     * @param address virtual address.
     * @return the byte there.
     */
    public byte getByte(final long address)
    {
        final int at = translate(address, Access.READ);
        return raw ? UnsafeApi.getByte(rawBase + at) : physical.getByte(at);
    }

    /**
     * @param address virtual address.
     * @param value   the byte to store.
     */
    public void putByte(final long address, final byte value)
    {
        final int at = translate(address, Access.WRITE);
        if (raw)
        {
            UnsafeApi.putByte(rawBase + at, value);
            return;
        }
        physical.putByte(at, value);
    }

    /**
     * @param address 8-byte aligned virtual address (so the word lies in one page).
     * @return the little-endian word there.
     */
    public long getLong(final long address)
    {
        checkAligned(address, 8);
        final int at = translate(address, Access.READ);
        return raw ? UnsafeApi.getLong(rawBase + at) : physical.getLong(at);
    }

    /**
     * @param address 8-byte aligned virtual address.
     * @param value   the word.
     */
    public void putLong(final long address, final long value)
    {
        checkAligned(address, 8);
        final int at = translate(address, Access.WRITE);
        if (raw)
        {
            UnsafeApi.putLong(rawBase + at, value);
            return;
        }
        physical.putLong(at, value);
    }

    /**
     * @param address 4-byte aligned virtual address.
     * @return the little-endian int there.
     */
    public int getInt(final long address)
    {
        checkAligned(address, 4);
        final int at = translate(address, Access.READ);
        return raw ? UnsafeApi.getInt(rawBase + at) : physical.getInt(at);
    }

    /**
     * @param address 4-byte aligned virtual address.
     * @param value   the int.
     */
    public void putInt(final long address, final int value)
    {
        checkAligned(address, 4);
        final int at = translate(address, Access.WRITE);
        if (raw)
        {
            UnsafeApi.putInt(rawBase + at, value);
            return;
        }
        physical.putInt(at, value);
    }

    /**
     * Load with acquire semantics: later reads see what the releasing writer wrote before its release.
     *
     * @param address 8-byte aligned virtual address.
     * @return the word.
     */
    public long getLongAcquire(final long address)
    {
        checkAligned(address, 8);
        return physical.getLongAcquire(translate(address, Access.READ));
    }

    /**
     * Store with release semantics: a reader that acquires this word sees every earlier write.
     *
     * @param address 8-byte aligned virtual address.
     * @param value   the word.
     */
    public void putLongRelease(final long address, final long value)
    {
        checkAligned(address, 8);
        physical.putLongRelease(translate(address, Access.WRITE), value);
    }

    /**
     * Copies out of this space, page by page; every page is checked before the first byte moves.
     *
     * @param address  first virtual byte.
     * @param dst      destination.
     * @param dstIndex first destination byte.
     * @param length   bytes.
     */
    public void getBytes(final long address, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        if (inOnePage(address, length))
        {
            dst.putBytes(dstIndex, physical, translate(address, Access.READ), length); // one check, one translation
            return;
        }
        checkRange(address, length, Access.READ);
        long va = address;
        int done = 0;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            dst.putBytes(dstIndex + done, physical, translate(va, Access.READ), chunk);
            va += chunk;
            done += chunk;
        }
    }

    /**
     * Copies into this space, page by page; every page is checked before the first byte moves.
     *
     * @param address  first virtual byte.
     * @param src      source.
     * @param srcIndex first source byte.
     * @param length   bytes.
     */
    public void putBytes(final long address, final DirectBuffer src, final int srcIndex, final int length)
    {
        if (inOnePage(address, length))
        {
            physical.putBytes(translate(address, Access.WRITE), src, srcIndex, length); // one check, one translation
            return;
        }
        checkRange(address, length, Access.WRITE);
        long va = address;
        int done = 0;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            physical.putBytes(translate(va, Access.WRITE), src, srcIndex + done, chunk);
            va += chunk;
            done += chunk;
        }
    }

    /**
     * Fills a range with one byte value.
     *
     * @param address first virtual byte.
     * @param length  bytes.
     * @param value   the fill.
     */
    public void setMemory(final long address, final int length, final byte value)
    {
        checkRange(address, length, Access.WRITE);
        long va = address;
        int done = 0;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            physical.setMemory(translate(va, Access.WRITE), chunk, value);
            va += chunk;
            done += chunk;
        }
    }

    /**
     * Reads a range with {@link Touch#sumLongs(DirectBuffer, int, int)} over each page's part of it, in order, one
     * translation per page. A range that starts on a word boundary is read in one call per run of physically
     * consecutive frames: the sum is the same (every page's part but the last is whole words), and a message over
     * consecutive frames is read as fast as a private buffer instead of paying a call per page.
     *
     * @param address first virtual byte.
     * @param length  bytes.
     * @return the sum.
     * @throws ProtectionFault          if a page of the range is unmapped or not readable.
     * @throws IllegalArgumentException if {@code length} is negative.
     */
    public long sumLongs(final long address, final int length)
    {
        if (inOnePage(address, length))
        {
            return Touch.sumLongs(physical, translate(address, Access.READ), length);
        }
        if (length <= 0)
        {
            checkRange(address, length, Access.READ);
            return 0;
        }
        if ((address & 7) != 0)
        {
            return sumLongsByPage(address, length);
        }
        long sum = 0;
        int runStart = translate(address, Access.READ);
        int run = chunk(address, length);
        long va = address + run;
        int done = run;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            final int at = translate(va, Access.READ);
            if (at == runStart + run)
            {
                run += chunk;
            }
            else
            {
                sum += Touch.sumLongs(physical, runStart, run);
                runStart = at;
                run = chunk;
            }
            va += chunk;
            done += chunk;
        }
        return sum + Touch.sumLongs(physical, runStart, run);
    }

    /** The documented order with nothing coalesced: a word may straddle two pages' parts of an unaligned range. */
    private long sumLongsByPage(final long address, final int length)
    {
        long sum = 0;
        long va = address;
        int done = 0;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            sum += Touch.sumLongs(physical, translate(va, Access.READ), chunk);
            va += chunk;
            done += chunk;
        }
        return sum;
    }

    /**
     * Points a buffer at a mapped range so that a ring or other hot structure can be used without translating every
     * access, like user code holding a pointer into a mapping. The range must be mapped with the access and backed
     * by physically consecutive frames. The view stays valid until the range is unmapped; channels drop their views
     * before the kernel unmaps their rings.
     *
     * @param view    the buffer to wrap.
     * @param address first virtual byte.
     * @param length  bytes.
     * @param access  READ for a read-only user (the buffer is not made read-only; the domain promises to only read).
     * @throws ProtectionFault         if a page is unmapped or lacks the right.
     * @throws IllegalArgumentException if the frames are not consecutive.
     */
    public void wrapView(final UnsafeBuffer view, final long address, final int length, final Access access)
    {
        checkRange(address, length, access);
        final int first = translate(address, access);
        long va = address;
        int done = 0;
        while (done < length)
        {
            final int chunk = chunk(va, length - done);
            if (translate(va, access) != first + done)
            {
                throw new IllegalArgumentException("range at 0x" + Long.toHexString(address) + " length=" + length +
                    " is not backed by consecutive frames");
            }
            va += chunk;
            done += chunk;
        }
        view.wrap(physical, first, length);
    }

    /**
     * The count of mapping removals and downgrades in this space so far. A view that caches translations
     * ({@link #translateView}) reads it on every access; when it moved, the view translates its pages again before
     * the access, so it never reaches a frame this space no longer maps with the right. A plain read, so that the
     * JIT can keep it out of a user's loop (an opaque read kept every loop over a view several times slower): a
     * change is seen by every access that happens after it (the same thread, or after any synchronisation with the
     * kernel's thread, e.g. the next poll or commit); a loop already running when another thread tears the mapping
     * down may finish on the old translation, as an access already translated completes before a TLB shootdown.
     *
     * @return the mapping epoch.
     */
    public long mappingEpoch()
    {
        return (long)MAPPING_EPOCH.get(this);
    }

    /**
     * {@link #mappingEpoch()} with acquire: read once before {@link #translateView}, so that the page-table reads
     * of the translation cannot be ordered before it (an epoch read after a stale entry would vouch for it).
     *
     * @return the mapping epoch.
     */
    public long mappingEpochAcquire()
    {
        return (long)MAPPING_EPOCH.getAcquire(this);
    }

    /**
     * Translates every page of a range once, for a view that then reaches the frames directly (raw addresses) until
     * {@link #mappingEpoch()} moves. Read the epoch before calling, with {@link #mappingEpochAcquire()}: a change after
     * the read moves it.
     *
     * @param address        first virtual byte.
     * @param length         bytes, at least 1.
     * @param access         the access every page must allow.
     * @param pageBases      receives, per page of the range, the raw address of that page's first byte.
     * @param zeroUnreadable whether a page without the right reads as a frame of zeros instead of faulting (only
     *                       for READ).
     * @return how many pages were unreadable and point at the zero frame.
     * @throws ProtectionFault          at the first page that fails, unless zeroed.
     * @throws IllegalArgumentException if the length is not positive or {@code pageBases} is too short.
     */
    public int translateView(
        final long address, final int length, final Access access, final long[] pageBases, final boolean zeroUnreadable)
    {
        if (length < 1 || pageBases.length < pagesSpanned(address, length))
        {
            throw new IllegalArgumentException("length=" + length + " pageBases=" + pageBases.length);
        }
        if (!raw)
        {
            throw new IllegalStateException("views need off-heap physical memory");
        }
        if (zeroUnreadable && access != Access.READ)
        {
            throw new IllegalArgumentException("only a READ view may read unreadable pages as zeros");
        }
        // Straight from the page table, neither through nor into the TLB: a view does not need the translation
        // cache (its range usually outnumbers the TLB's slots, so every page would miss and evict), and without a
        // cached entry there is no walk to register. The mapping epoch, read by the caller before this, is what
        // keeps the view honest: a removal or downgrade after that read moves it and the view translates again.
        final int need = Rights.required(access);
        final long last = address + length - 1;
        int zeroed = 0;
        int i = 0;
        int tableIndex = -1;
        long[] table = null;
        for (long page = address & ~pageMask; page <= last; page += pageMask + 1, i++)
        {
            final long at = Math.max(page, address);
            final long vpn = at >>> pageShift;
            final boolean inside = at >= 0 && vpn < maxPages;
            long pte = 0;
            if (inside)
            {
                final int dir = (int)(vpn >>> TABLE_BITS);
                if (dir != tableIndex)
                {
                    table = (long[])TABLES.getAcquire(directory, dir);
                    tableIndex = dir;
                }
                // Acquire: pairs with writePte's release, so the frame's contents written before the entry are seen.
                pte = table == null ? 0 : (long)LONGS.getAcquire(table, (int)vpn & TABLE_MASK);
            }
            final int rights = (int)(pte >>> PTE_RIGHTS_SHIFT) & 3;
            if ((pte & PTE_PRESENT) != 0 && (rights & need) == need)
            {
                pageBases[i] = rawBase + memory.frameOffset((int)(pte >>> PTE_FRAME_SHIFT));
            }
            else if (zeroUnreadable)
            {
                pageBases[i] = memory.zeroFrameAddress();
                zeroed++;
            }
            else
            {
                throw fault(at, access, inside ? refusal(pte) : "outside the address space of " + maxPages + " pages");
            }
        }
        return zeroed;
    }

    /**
     * @param address virtual address.
     * @return the rights mapped at the address, or -1 if unmapped.
     */
    public int rightsAt(final long address)
    {
        final long vpn = address >>> pageShift;
        if (address < 0 || vpn >= maxPages)
        {
            return -1;
        }
        final long pte = pte(vpn);
        return (pte & PTE_PRESENT) == 0 ? -1 : (int)(pte >>> PTE_RIGHTS_SHIFT) & 3;
    }

    /**
     * @param address virtual address.
     * @return the frame mapped at the address, or -1 if unmapped.
     */
    public int frameAt(final long address)
    {
        final long vpn = address >>> pageShift;
        if (address < 0 || vpn >= maxPages)
        {
            return -1;
        }
        final long pte = pte(vpn);
        return (pte & PTE_PRESENT) == 0 ? -1 : (int)(pte >>> PTE_FRAME_SHIFT);
    }

    /**
     * Visits every page this space maps, in address order, as the page table holds it now (not the translation
     * cache). For inspection, e.g. a test listing what a hostile domain could reach; not for data paths.
     *
     * @param visitor told each mapped page's address, frame and rights.
     */
    public void forEachMappedPage(final MappedPageVisitor visitor)
    {
        for (int dir = 0; dir < directory.length; dir++)
        {
            final long[] table = (long[])TABLES.getAcquire(directory, dir);
            if (table != null)
            {
                for (int i = 0; i < TABLE_SIZE; i++)
                {
                    final long pte = (long)LONGS.getAcquire(table, i);
                    if ((pte & PTE_PRESENT) != 0)
                    {
                        final long vpn = ((long)dir << TABLE_BITS) | i;
                        visitor.onPage(vpn << pageShift, (int)(pte >>> PTE_FRAME_SHIFT),
                            (int)(pte >>> PTE_RIGHTS_SHIFT) & 3);
                    }
                }
            }
        }
    }

    /**
     * Receives the mapped pages of an address space ({@link #forEachMappedPage}).
     */
    @FunctionalInterface
    public interface MappedPageVisitor
    {
        /**
         * @param address the page's first virtual address.
         * @param frame   the frame it maps.
         * @param rights  {@link Rights#READ} or {@link Rights#READ_WRITE}.
         */
        void onPage(long address, int frame, int rights);
    }

    // ---- kernel side -------------------------------------------------------------------------------------------

    /** @return the page-table entry at a virtual address (acquire), 0 if unmapped or outside the space. */
    long pteAt(final long address)
    {
        final long vpn = address >>> pageShift;
        return address < 0 || vpn >= maxPages ? 0 : pte(vpn);
    }

    long pte(final long vpn)
    {
        final long[] table = (long[])TABLES.getAcquire(directory, (int)(vpn >>> TABLE_BITS));
        return table == null ? 0 : (long)LONGS.getAcquire(table, (int)vpn & TABLE_MASK);
    }

    void writePte(final long vpn, final int frame, final int rights)
    {
        final int dir = (int)(vpn >>> TABLE_BITS);
        long[] table = directory[dir];
        if (table == null)
        {
            table = new long[TABLE_SIZE];
            TABLES.setRelease(directory, dir, table);
        }
        final long pte = ((long)frame << PTE_FRAME_SHIFT) | ((long)rights << PTE_RIGHTS_SHIFT) | PTE_PRESENT;
        final int index = (int)vpn & TABLE_MASK;
        final long old = table[index]; // plain: the page-table lock makes this the only writer
        // Release: a translator that sees the entry sees the frame's zeroed contents written before it.
        LONGS.setRelease(table, index, pte);
        if ((old & PTE_PRESENT) != 0)
        {
            // A protect(): walks that read the old entry may cache it, so wait for them and drop it.
            changed();
            invalidate(vpn);
            bumpMappingEpoch(); // rights may have dropped
        }
        // A new mapping needs neither: a walk that read the empty entry caches nothing, and no entry for the page is
        // cached (the removal that emptied it waited for its walks and dropped the page's entry, clearPte/clearAll).
    }

    void clearPte(final long vpn)
    {
        final long[] table = directory[(int)(vpn >>> TABLE_BITS)];
        if (table != null)
        {
            LONGS.setRelease(table, (int)vpn & TABLE_MASK, 0L);
        }
        changed();
        invalidate(vpn);
        bumpMappingEpoch();
    }

    private void bumpMappingEpoch()
    {
        // After the entry is gone and cached ones dropped: a view that sees the new epoch translates again and
        // sees the new table. One writer (the domain's page-table lock), so get-then-set does not lose a bump.
        MAPPING_EPOCH.setVolatile(this, (long)MAPPING_EPOCH.getOpaque(this) + 1);
    }

    /**
     * Kernel, under its lock, after writing a page-table entry and before dropping cached ones: moves to the next
     * generation and waits until every walk registered under the previous one has finished (walks take no lock and
     * last a few loads, so the wait is short). Walks that start later see the new table.
     */
    private void changed()
    {
        final long old = generation;
        // One writer: the domain's page-table lock serialises page-table changes. A volatile store then the volatile
        // load below, against enterWalk's atomic add then its volatile load: all in one synchronisation order, so
        // this sees the walk or the walk sees the new generation (no further fence needed; the store has one).
        generation = old + 1;
        final int phase = (int)(old & 1) * WALKER_STRIDE;
        for (int spins = 0; (long)LONGS.getVolatile(walkers, phase) != 0; spins++)
        {
            if (spins < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield(); // the walking thread was preempted inside its few loads
            }
        }
    }

    private void invalidate(final long vpn)
    {
        // Like invlpg: drop the one entry now; a full flush is counted separately.
        final int slot = ((int)vpn & TLB_MASK) << 1;
        if (((long)LONGS.getOpaque(tlb, slot) >>> 32) == vpn + 1)
        {
            LONGS.setOpaque(tlb, slot, 0L);
        }
    }

    void flushTlb()
    {
        changed();
        // Every entry filled so far stops counting: one store however large the cache (release, as the old
        // entries' drops were stores before whatever the kernel does next).
        FLUSHES.setRelease(this, (long)FLUSHES.getOpaque(this) + 1);
    }

    /**
     * Visits every present mapping; for teardown.
     */
    void forEachMapping(final MappingVisitor visitor)
    {
        visitMappings(directory, visitor);
    }

    private static void visitMappings(final long[][] tables, final MappingVisitor visitor)
    {
        for (int dir = 0; dir < tables.length; dir++)
        {
            final long[] table = tables[dir];
            if (table != null)
            {
                for (int i = 0; i < TABLE_SIZE; i++)
                {
                    final long pte = table[i];
                    if ((pte & PTE_PRESENT) != 0)
                    {
                        visitor.onMapping(((long)dir << TABLE_BITS) | i, (int)(pte >>> PTE_FRAME_SHIFT));
                    }
                }
            }
        }
    }

    /**
     * Removes every mapping, then tells the visitor each one removed: only after the entries are gone and the cached
     * translations dropped, so that a frame whose map count the visitor lowers is reachable through this space no
     * more (a lock-free free trusts a count of 0).
     */
    void clearAll(final MappingVisitor removed)
    {
        final long[][] tables = directory.clone(); // teardown: may allocate
        Arrays.fill(directory, null);
        flushTlb();
        bumpMappingEpoch();
        visitMappings(tables, removed);
    }

    @FunctionalInterface
    interface MappingVisitor
    {
        void onMapping(long vpn, int frame);
    }

    /**
     * @return whether a non-empty range lies within one page, so that one translation checks and places all of it.
     */
    boolean inOnePage(final long address, final int length)
    {
        return length > 0 && (address & pageMask) + length <= pageMask + 1;
    }

    /**
     * @return how many pages a non-empty range touches.
     */
    int pagesSpanned(final long address, final int length)
    {
        return (int)(((address + length - 1) >>> pageShift) - (address >>> pageShift)) + 1;
    }

    /**
     * Translates every page of a non-empty range once, for one access, before the caller moves any byte.
     *
     * @param into receives, per page of the range, the physical offset of that page's first byte.
     * @throws ProtectionFault at the first page that fails.
     */
    void translatePages(final long address, final int length, final Access access, final int[] into)
    {
        final long last = address + length - 1;
        int i = 0;
        for (long page = address & ~pageMask; page <= last; page += pageMask + 1)
        {
            final long at = Math.max(page, address);
            into[i++] = translate(at, access) - (int)(at & pageMask);
        }
    }

    private int chunk(final long va, final int remaining)
    {
        return (int)Math.min(remaining, pageMask + 1 - (va & pageMask));
    }

    private static void checkAligned(final long address, final int alignment)
    {
        if ((address & (alignment - 1)) != 0)
        {
            throw new IllegalArgumentException(
                "address=0x" + Long.toHexString(address) + " is not aligned to " + alignment);
        }
    }
}
