package io.barge.core;

import io.barge.core.machine.MachineFile;
import org.agrona.collections.Int2ObjectHashMap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The trusted code of the simulated machine. It alone creates and destroys domains, hands out and zeroes frames,
 * writes page tables, flushes translation caches and copies between domains; every such operation is counted on
 * the domain it was done for ({@link CounterType}).
 * <p>
 * A machine in one object is {@link #withMemoryMiB(int)}: the kernel owns its memory and frees it on
 * {@link #close()}, after destroying every domain. A kernel made with a constructor leaves the memory to its
 * caller, who closes it after the kernel. {@link #builder()} makes either, and can put the kernel's counters in a
 * machine file that other processes read ({@link Builder#machineDirectory(Path)}, {@code barge stat}).
 * <p>
 * Ownership: every frame has exactly one owner (a domain, or the kernel's own domain) or is free. A domain maps
 * only frames it owns, or frames an owner shares with it through {@link #share}. Destroying a domain removes its
 * mappings and frees every frame it owned, first unmapping them from any other domain.
 * <p>
 * Locking: the set of domains changes under the kernel's monitor (domain creation and teardown), and so do transfers
 * and runs of contiguous frames. Allocating and freeing frames does not take it: each domain has a cache of free
 * frames ({@link FrameCache}) refilled from and spilled to the global free stack in batches, and a free claims the
 * frame by a compare-and-set on its pin word; only a free of a frame that is still mapped somewhere takes the
 * monitor, to unmap it in every domain, and an allocation that finds every list empty takes it to drain the other
 * domains' caches. Share offers live in stripes by owner, each under its own monitor, so offers, accepts and
 * withdrawals of different domains run at once and never take the kernel's monitor (a transfer or teardown takes
 * the kernel's monitor and then the stripes it sweeps, a free only the stripe; an accept takes its stripe and then
 * the grantee's page-table lock). Pins do not take it: a frame's pin count, its orphan mark and whether it is
 * free share one word per frame changed by compare-and-set, so {@link #pinFrame}, {@link #pinMappedForDma},
 * {@link #holdPinnedForDma}, {@link #unpinFrame}, {@link #ownerOf} and {@link #wrapFrame} are lock-free (only the
 * last unpin of an orphan takes the monitor, to free it). A domain's own {@link #map}, {@link #unmap},
 * {@link #protect} and {@link #flush} take only that domain's page-table lock, and its virtual ranges only their
 * allocator's, so domains do not contend on them. A free of a frame still mapped (or a teardown) takes the monitor
 * and then each domain's page-table lock in turn; nothing takes them in the other order. Translation and
 * {@link #copy} take no lock, so data paths on different threads never contend on the kernel.
 */
public final class Kernel implements AutoCloseable
{
    /** Default virtual address space: 1 Mi pages (4 GiB with 4 KiB pages). */
    public static final int DEFAULT_MAX_PAGES = 1 << 20;
    /** Id of the kernel's own domain, which owns kernel buffers. */
    public static final int KERNEL_DOMAIN_ID = 0;
    private static final int SHARE_STRIPE_BITS = 4;

    private static final int NO_OWNER = -1;

    /*
     * A frame's pin word: bits 0..31 its pin count, ORPHAN if its owner died while it was pinned, FREE while the
     * frame is free or being freed, BUSY while a transfer changes its owner, and above them a generation bumped by
     * every allocation and transfer, so that a compare-and-set based on a word read before an owner or page-table
     * check fails if the frame was freed (and perhaps reallocated) or changed hands in between. A word moves into
     * FREE only by a compare-and-set (a free, a teardown, the last unpin of an orphan), so exactly one party frees
     * a frame; a pin or hold never succeeds on a FREE word, so a frame is never freed while pinned or held. Out of
     * FREE only by an allocation, which owns the frame alone (it took it off a free list).
     */
    private static final long PINS = 0xFFFF_FFFFL;
    private static final long ORPHAN = 1L << 32;
    private static final long FREE = 1L << 33;
    private static final long BUSY = 1L << 34;
    private static final long GENERATION = 1L << 35;
    private static final long MAX_PINS = Integer.MAX_VALUE;
    private static final int CLAIMED_FREE = 0;
    private static final int CLAIMED_ORPHAN = 1;
    private static final int CLAIMED_ELSEWHERE = 2;

    private final PhysicalMemory memory;
    private final SystemCounters counters;
    private final int maxPages;
    private final int privatePages;
    private final VirtualRangeAllocator globalRanges;
    /**
     * Per frame, each on its own cache line: the owner (written with release, read lock-free with acquire), the
     * page-table entries that map it (changed atomically: different domains' locks map the same frame) and the pin
     * word (pins are a hypervisor's grant mapping, a device's DMA; a pinned frame is not freed; a pinned frame whose
     * owner died is an orphan, kept by the kernel domain until the last unpin frees it).
     */
    private final FrameTable frameTable;
    private final Int2ObjectHashMap<Domain> domains = new Int2ObjectHashMap<>();
    // Share offers, striped by owner: offers and accepts of different domains take different monitors, never the
    // kernel's. Lock order: a stripe before a page-table lock; the kernel's monitor before a stripe.
    private final ShareTable[] shares = newShareStripes();
    private final List<DomainListener> listeners = new CopyOnWriteArrayList<>();
    /** Holders of pins kept past a teardown, asked to drop them before frames are counted or run out. */
    private final List<PinReclaimer> reclaimers = new CopyOnWriteArrayList<>();
    private final Domain kernelDomain;
    private final boolean ownsMemory;
    private final MachineFile machineFile;
    private int nextDomainId = KERNEL_DOMAIN_ID;
    /** Volatile: the lock-free unpin reads it to tell a frame freed by close from a pin-count bug. */
    private volatile boolean closed;

    /**
     * A kernel on memory the caller owns: close the kernel first, then the memory. {@link #withMemoryMiB(int)}
     * is the simpler form, a kernel that owns its memory. Its counters have room for 1024 live domains: 42 MB of
     * direct memory, zeroed here (tens of milliseconds); a machine of a few domains that is made often (a test)
     * names fewer with {@link #Kernel(PhysicalMemory, int, int)} or {@link Builder#maxDomains(int)}.
     *
     * @param memory the machine's physical memory; the kernel does not close it.
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public Kernel(final PhysicalMemory memory)
    {
        this(memory, DEFAULT_MAX_PAGES, 1024);
    }

    /**
     * @param memory      the machine's physical memory; the kernel does not close it.
     * @param maxPages    virtual pages per domain; the upper half is the global window.
     * @param maxDomains  how many domains may live at once (sizes the off-heap counters).
     * @throws MissingJvmFlagException if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public Kernel(final PhysicalMemory memory, final int maxPages, final int maxDomains)
    {
        this(memory, maxPages, maxDomains, false, null);
    }

    private Kernel(final PhysicalMemory memory, final int maxPages, final int maxDomains, final boolean ownsMemory,
        final MachineFile machineFile)
    {
        JvmFlags.checkAgronaAccess();
        if (maxPages < 16 || Integer.bitCount(maxPages) != 1)
        {
            throw new IllegalArgumentException("maxPages=" + maxPages + " must be a power of two >= 16");
        }
        this.memory = memory;
        this.ownsMemory = ownsMemory;
        this.maxPages = maxPages;
        this.privatePages = maxPages / 2;
        this.globalRanges = new VirtualRangeAllocator(privatePages, maxPages - privatePages);
        this.frameTable = new FrameTable(memory.frameCount(), FREE, NO_OWNER);
        this.machineFile = machineFile;
        this.counters = machineFile == null ? new SystemCounters(maxCounters(maxDomains)) :
            new SystemCounters(machineFile.countersMetaDataBuffer(), machineFile.countersValuesBuffer());
        this.kernelDomain = createDomain("kernel");
    }

    /**
     * A machine in one object: a kernel on {@code mib} MiB of direct memory (4 KiB frames) that it owns, so that
     * {@link #close()} destroys every domain and then frees the memory, in that order.
     *
     * @param mib megabytes of physical memory, 1..{@link PhysicalMemory#MAX_DIRECT_MIB}.
     * @return the kernel.
     * @throws IllegalArgumentException if {@code mib} is out of range.
     * @throws MissingJvmFlagException  if the JVM lacks {@link JvmFlags#ADD_OPENS}.
     */
    public static Kernel withMemoryMiB(final int mib)
    {
        final PhysicalMemory memory = PhysicalMemory.allocateDirectMiB(mib);
        try
        {
            return new Kernel(memory, DEFAULT_MAX_PAGES, 1024, true, null);
        }
        catch (final RuntimeException | Error ex)
        {
            memory.close();
            throw ex;
        }
    }

    private static int maxCounters(final int maxDomains)
    {
        return (maxDomains + 1) * SystemCounters.TYPES_ROOM + 64;
    }

    /**
     * @return a builder: the constructors' and {@link #withMemoryMiB(int)}'s choices, plus a machine file.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return the machine file holding this kernel's counters, or null if they are in this JVM's memory only.
     */
    public MachineFile machineFile()
    {
        return machineFile;
    }

    /**
     * @return the physical memory this kernel manages.
     */
    public PhysicalMemory memory()
    {
        return memory;
    }

    /**
     * @return the off-heap cost counters.
     */
    public SystemCounters counters()
    {
        return counters;
    }

    /**
     * @return the kernel's own domain: owner of kernel buffers, e.g. the copy transport's.
     */
    public Domain kernelDomain()
    {
        return kernelDomain;
    }

    /**
     * @param listener told of every domain destroyed from now on.
     */
    public void addDomainListener(final DomainListener listener)
    {
        listeners.add(listener);
    }

    /**
     * @param listener a listener added before.
     */
    public void removeDomainListener(final DomainListener listener)
    {
        listeners.remove(listener);
    }

    /**
     * Registers a holder of pins kept past a teardown: it is asked to drop them (outside the kernel's monitor) before
     * {@link #freeFrames()} answers and before an allocation fails for want of frames, until it reports it holds
     * none.
     *
     * @param reclaimer the holder.
     */
    public void addPinReclaimer(final PinReclaimer reclaimer)
    {
        reclaimers.add(reclaimer);
    }

    /** @return whether a reclaimer freed frames. */
    private boolean reclaimPins()
    {
        if (reclaimers.isEmpty())
        {
            return false;
        }
        final int before = memory.freeFrames();
        for (final PinReclaimer reclaimer : reclaimers)
        {
            if (reclaimer.reclaim())
            {
                reclaimers.remove(reclaimer);
            }
        }
        return memory.freeFrames() != before;
    }

    // ---- domains -----------------------------------------------------------------------------------------------

    /**
     * @param name a name for reports and faults.
     * @return a new domain with an empty address space.
     */
    public synchronized Domain createDomain(final String name)
    {
        checkOpen();
        final int id = nextDomainId++;
        final Domain domain = new Domain(this, id, name, maxPages, privatePages, counters.allocateDomain(id, name));
        domains.put(id, domain);
        return domain;
    }

    /**
     * @param id a domain id.
     * @return the live domain with that id, or null.
     */
    public synchronized Domain domain(final int id)
    {
        return domains.get(id);
    }

    /**
     * Destroys a domain: listeners are told, its threads ({@link Domain#start}) interrupted and waited for, its
     * mappings removed, every frame it owned unmapped everywhere and freed, its counters folded into the retired
     * totals.
     *
     * @param domain a live domain other than the kernel's.
     */
    public void destroyDomain(final Domain domain)
    {
        synchronized (this)
        {
            checkLive(domain);
            checkNotKernelDomain(domain);
            domain.markDestroyed();
        }
        reclaim(domain);
    }

    /**
     * {@link Domain#close()}: destroys the domain unless it is already destroyed or the kernel closed, so that
     * two closes (or a close after the kernel's) do nothing.
     */
    void destroyIfAlive(final Domain domain)
    {
        synchronized (this)
        {
            if (domain.kernel() != this || !domain.isAlive() || closed)
            {
                return;
            }
            checkNotKernelDomain(domain);
            domain.markDestroyed();
        }
        reclaim(domain);
    }

    private void checkNotKernelDomain(final Domain domain)
    {
        if (domain == kernelDomain)
        {
            throw new IllegalArgumentException("the kernel domain cannot be destroyed; close the kernel instead");
        }
    }

    /** After markDestroyed: tells listeners, removes mappings, frees or orphans every frame the domain owned. */
    private void reclaim(final Domain domain)
    {
        // Listeners run outside the monitor: they call back into the kernel to free what the domain held.
        for (final DomainListener listener : listeners)
        {
            listener.onDestroy(domain);
        }
        domain.joinThreads(); // its channels are closed now: its threads end before its memory goes
        synchronized (this)
        {
            synchronized (domain.pageTableLock)
            {
                // A map of this domain racing its death checks liveness under this lock: it ran before (and is
                // cleared here) or finds the domain dead. Counts drop only after the entries and cached translations
                // are gone: a lock-free free that reads a count of 0 must find the frame reachable nowhere.
                domain.addressSpace().clearAll((vpn, frame) -> frameTable.addMapCount(frame, -1));
            }
            // Closed before the frames go: they (and any a racing free of this domain returns) reach the global stack.
            domain.frameCache.drain(true);
            final int id = domain.id();
            for (int frame = 0; frame < frameTable.frameCount(); frame++)
            {
                // The word first (volatile), then the owner: see publishAllocated. A FREE word is somebody's free.
                if ((frameTable.pinWordVolatile(frame) & FREE) == 0 && frameTable.ownerAcquire(frame) == id)
                {
                    final int claimed = claimFreeOrOrphan(frame);
                    if (claimed == CLAIMED_FREE)
                    {
                        release(domain, frame);
                    }
                    else if (claimed == CLAIMED_ORPHAN)
                    {
                        // Other domains' mappings of the frame stay: they were made with the dead owner's consent
                        // and end by unpin.
                        frameTable.ownerRelease(frame, KERNEL_DOMAIN_ID);
                    }
                }
            }
            domains.remove(id);
            for (final ShareTable stripe : shares)
            {
                synchronized (stripe)
                {
                    stripe.removeDomain(id);
                }
            }
            counters.retireDomain(domain);
        }
    }

    // ---- frames ------------------------------------------------------------------------------------------------

    /**
     * Allocates a frame from the owner's frame cache (refilled from the global free stack in batches), without the
     * kernel's monitor.
     *
     * @param owner the domain that will own the frame.
     * @param zero  whether to fill it with zeros (counted).
     * @return the frame number.
     * @throws OutOfFramesException if none is free.
     */
    public int allocateFrame(final Domain owner, final boolean zero)
    {
        checkLive(owner);
        final int frame = takeFreeFrame(owner);
        final long published = publishAllocated(frame, owner.id());
        if (!owner.isAlive())
        {
            abandonAllocated(owner, frame, published);
        }
        owner.count(CounterType.FRAMES_ALLOCATED, 1);
        if (zero)
        {
            zero(owner, frame);
        }
        return frame;
    }

    /** A free frame off the owner's cache; when every list is empty, drains the other caches and reclaims pins. */
    private int takeFreeFrame(final Domain owner)
    {
        int frame = owner.frameCache.take();
        if (frame < 0)
        {
            memory.drainCaches(); // every domain's cached frames back: one cache cannot starve another
            frame = owner.frameCache.take();
            if (frame < 0 && reclaimPins())
            {
                memory.drainCaches();
                frame = owner.frameCache.take();
            }
            if (frame < 0)
            {
                throw new OutOfFramesException("no free frame: frameCount=" + memory.frameCount());
            }
        }
        return frame;
    }

    /**
     * An allocation that raced its owner's teardown (the owner was alive when checked, dead once the frame was
     * published): the teardown's sweep may have missed the frame, so it goes back here, unless the sweep saw it
     * and freed it (its claim of FREE and this one exclude each other; the claim is against the word this allocation
     * published, so a frame the sweep freed and somebody reallocated is not touched). Nobody else can change the word
     * meanwhile: a pin needs a live owner or a mapping, a hold a pin. Either way the caller fails as on a dead domain.
     */
    private void abandonAllocated(final Domain owner, final int frame, final long published)
    {
        if (frameTable.compareAndSetPinWord(frame, published, published | FREE))
        {
            release(owner, frame);
        }
        owner.checkAlive();
    }


    /**
     * Allocates several frames, all or none.
     *
     * @param owner  the domain that will own them.
     * @param count  how many.
     * @param zero   whether to zero them.
     * @param frames receives the frame numbers, at least {@code count} long.
     * @throws OutOfFramesException if fewer than {@code count} are free; nothing is allocated then.
     */
    public void allocateFrames(final Domain owner, final int count, final boolean zero, final int[] frames)
    {
        checkLive(owner);
        // The owner's own cache usually holds enough: only a larger request counts every list first.
        if (count > owner.frameCache.size() && count > memory.freeFrames())
        {
            reclaimPins();
            if (count > memory.freeFrames())
            {
                throw new OutOfFramesException("asked for " + count + " frames, " + memory.freeFrames() + " free");
            }
        }
        int done = 0;
        try
        {
            for (; done < count; done++)
            {
                frames[done] = allocateFrame(owner, zero);
            }
        }
        catch (final OutOfFramesException ex)
        {
            // Another domain took the frames counted free above: give back what this call took.
            for (int i = 0; i < done; i++)
            {
                freeFrame(owner, frames[i]);
            }
            throw ex;
        }
    }

    /**
     * Allocates a run of physically consecutive frames, all or none, so that a domain can wrap the run as one view
     * ({@link AddressSpace#wrapView}); rings need this once frees have scattered the free stack.
     *
     * @param owner the domain that will own them.
     * @param count run length.
     * @param zero  whether to zero them.
     * @return the first frame; the run is {@code [first, first + count)}.
     * @throws OutOfFramesException if no such run is free; nothing is allocated then.
     */
    public int allocateContiguousFrames(final Domain owner, final int count, final boolean zero)
    {
        try
        {
            return allocateRunLocked(owner, count, zero);
        }
        catch (final OutOfFramesException ex)
        {
            // Cached frames are not on the global stack, where runs are looked for.
            memory.drainCaches();
            reclaimPins();
            return allocateRunLocked(owner, count, zero);
        }
    }

    private synchronized int allocateRunLocked(final Domain owner, final int count, final boolean zero)
    {
        checkLive(owner); // under the monitor, which a teardown holds from marking the domain dead to its sweep
        final int first = memory.allocateRun(count);
        for (int frame = first; frame < first + count; frame++)
        {
            publishAllocated(frame, owner.id());
            if (zero)
            {
                zero(owner, frame);
            }
        }
        owner.count(CounterType.FRAMES_ALLOCATED, count);
        return first;
    }

    /**
     * @param owner the frame's owner.
     * @param frame the frame to fill with zeros.
     */
    public void zeroFrame(final Domain owner, final int frame)
    {
        // Pinned for the length of the fill: a racing free is refused, so the zeros never reach a reused frame.
        pinFrame(owner, frame);
        try
        {
            zero(owner, frame);
        }
        finally
        {
            unpinFrame(frame);
        }
    }

    private void zero(final Domain owner, final int frame)
    {
        memory.buffer().setMemory(memory.frameOffset(frame), memory.frameSize(), (byte)0);
        owner.count(CounterType.FRAMES_ZEROED, 1);
    }

    /**
     * Frees a frame: removes it from every address space that still maps it (flushing those), then returns it to
     * the owner's frame cache. Takes the kernel's monitor only if the frame is still mapped somewhere.
     *
     * @param owner the frame's owner.
     * @param frame the frame.
     * @throws FrameOwnershipException if {@code owner} does not own it.
     * @throws FrameInUseException     if it is pinned.
     */
    public void freeFrame(final Domain owner, final int frame)
    {
        checkLive(owner);
        checkFrame(frame);
        while (true)
        {
            final long s = ownedPinWord(owner, frame);
            if ((s & PINS) != 0)
            {
                throw new FrameInUseException("frame=" + frame + " holds " + (s & PINS) +
                    " pin(s) and cannot be freed");
            }
            if (frameTable.compareAndSetPinWord(frame, s, s | FREE))
            {
                break;
            }
        }
        release(owner, frame);
    }

    /**
     * With the frame's word claimed FREE (by the caller's compare-and-set: nobody else frees it): unmaps it wherever
     * it is still mapped and returns it to the owner's cache.
     * <p>
     * No translation cache can reach the frame once this returns. Every page-table entry of the frame is counted
     * in its map count, and every removal drops the page's cached translations (waiting for walks that read the
     * old entry) before it lowers the count (clearPte, clearAll). So a count of 0, read after the claim, means no
     * entry and no cached translation maps the frame, and none can appear: a map raises the count before it checks
     * the word again and backs out on FREE (install). A count above 0 (a mapping, or a map backing out) sends the
     * free through every domain's page table under the monitor, each domain's lock waiting out a map in progress.
     */
    private void release(final Domain owner, final int frame)
    {
        if (frameTable.mapCountVolatile(frame) > 0)
        {
            synchronized (this)
            {
                unmapEverywhere(frame);
            }
        }
        frameTable.ownerRelease(frame, NO_OWNER);
        removeOffers(owner, frame); // after the owner word: see offerShare
        owner.count(CounterType.FRAMES_FREED, 1);
        owner.frameCache.put(frame);
    }

    /** Under the monitor: removes every page-table entry of a frame in every live domain. */
    private void unmapEverywhere(final int frame)
    {
        final List<long[]> victims = new ArrayList<>();
        for (final Domain domain : domains.values())
        {
            synchronized (domain.pageTableLock)
            {
                victims.clear();
                domain.addressSpace().forEachMapping((vpn, f) ->
                {
                    if (f == frame)
                    {
                        victims.add(new long[]{ vpn });
                    }
                });
                for (final long[] victim : victims)
                {
                    domain.addressSpace().clearPte(victim[0]);
                    frameTable.addMapCount(frame, -1);
                    domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
                    flush(domain);
                }
            }
        }
    }

    /**
     * Hands a frame from one domain to another; mappings stay as they are.
     *
     * @param from  current owner.
     * @param frame the frame.
     * @param to    new owner.
     */
    public synchronized void transferFrame(final Domain from, final int frame, final Domain to)
    {
        checkOwner(from, frame);
        checkLive(to);
        // BUSY for the owner change: a lock-free free or pin of the old owner that read the word before fails its
        // compare-and-set (the generation moves), one that reads it now waits, so none acts on a stale owner.
        long s;
        do
        {
            s = frameTable.pinWordVolatile(frame);
            if ((s & (FREE | ORPHAN)) != 0)
            {
                throw new FrameOwnershipException("frame=" + frame + " is being freed or is an orphan; " + from +
                    " cannot transfer it");
            }
        }
        while (!frameTable.compareAndSetPinWord(frame, s, s | BUSY));
        frameTable.ownerRelease(frame, to.id());
        do
        {
            s = frameTable.pinWordVolatile(frame); // pins and unpins (no owner check) may have moved the count
        }
        while (!frameTable.compareAndSetPinWord(frame, s, (s & ~BUSY) + GENERATION));
        removeOffers(from, frame); // the old owner's offers go with its ownership; after the owner word: see offerShare
    }

    /**
     * The frame's pin word, read while no transfer holds it and then checked to be {@code owner}'s, for a
     * compare-and-set on it (a pin, a free). The owner check sits between reading the word and that compare-and-set:
     * if the CAS succeeds the frame was neither freed (nor reallocated) nor transferred since, so the owner read is
     * this allocation's (the allocation published the owner before the word). A transfer holds the word BUSY and then
     * moves its generation: an operation racing it waits here, or fails its CAS and reads the new owner.
     *
     * @throws FrameOwnershipException if the frame is free or not {@code owner}'s.
     */
    private long ownedPinWord(final Domain owner, final int frame)
    {
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            if ((s & BUSY) != 0)
            {
                awaitNotBusy(frame);
                continue;
            }
            if ((s & FREE) != 0)
            {
                throw new FrameOwnershipException("frame=" + frame + " is free, not owned by " + owner);
            }
            checkOwner(owner, frame);
            return s;
        }
    }

    /** A transfer holds the word BUSY for two stores under the monitor: spin briefly, then yield. */
    private void awaitNotBusy(final int frame)
    {
        for (int spins = 0; (frameTable.pinWordVolatile(frame) & BUSY) != 0; spins++)
        {
            if (spins < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield(); // the transferring thread was preempted between its two stores
            }
        }
    }

    private static ShareTable[] newShareStripes()
    {
        final ShareTable[] stripes = new ShareTable[1 << SHARE_STRIPE_BITS];
        for (int i = 0; i < stripes.length; i++)
        {
            stripes[i] = new ShareTable(i, SHARE_STRIPE_BITS);
        }
        return stripes;
    }

    /** The stripe of an owner's offers: domains that offer on different threads take different monitors. */
    private ShareTable stripeOf(final Domain owner)
    {
        return shares[owner.id() & (shares.length - 1)];
    }

    private void removeOffers(final Domain owner, final int frame)
    {
        // An orphan's dead owner's offers (owner here is the kernel's domain) go when its domain's sweep runs.
        final ShareTable stripe = stripeOf(owner);
        synchronized (stripe)
        {
            stripe.removeFrame(frame);
        }
    }

    /**
     * @param frame a frame.
     * @return the owning domain's id, or -1 if free.
     */
    public int ownerOf(final int frame)
    {
        checkFrame(frame);
        return frameTable.ownerAcquire(frame); // acquire: pairs with the release of allocate, free, transfer
    }

    /**
     * @param frame a frame.
     * @return how many page-table entries map it.
     */
    public int mapCountOf(final int frame)
    {
        checkFrame(frame);
        return frameTable.mapCountVolatile(frame);
    }

    /**
     * @return frames not owned by anybody, after the registered {@link PinReclaimer}s dropped what they could.
     */
    public int freeFrames()
    {
        reclaimPins();
        return memory.freeFrames();
    }

    // ---- pins --------------------------------------------------------------------------------------------------

    /**
     * Pins a frame: until the matching {@link #unpinFrame}, {@link #freeFrame} refuses it and destroying its owner
     * does not free it (the frame passes to the kernel domain and the last unpin frees it), so a mapping or a device
     * that reached the frame through its owner's consent (a grant) never sees it reused. Pins nest.
     *
     * @param owner the frame's owner, on whose consent the pin is taken.
     * @param frame the frame.
     * @throws FrameOwnershipException if {@code owner} does not own it.
     */
    public void pinFrame(final Domain owner, final int frame)
    {
        checkLive(owner);
        checkFrame(frame);
        while (true)
        {
            final long s = ownedPinWord(owner, frame);
            checkPinRoom(frame, s);
            if (frameTable.compareAndSetPinWord(frame, s, s + 1))
            {
                return;
            }
        }
    }

    /**
     * Drops one pin. The last unpin of a frame whose owner died frees it (unmapping it wherever it is still mapped);
     * only that one takes the kernel's monitor. After {@link #close()} every frame is free already: nothing happens.
     *
     * @param frame a pinned frame.
     * @throws IllegalStateException if it is not pinned.
     */
    public void unpinFrame(final int frame)
    {
        checkFrame(frame);
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            final long pins = s & PINS;
            if ((s & FREE) != 0 || pins == 0)
            {
                if (closed)
                {
                    return;
                }
                throw new IllegalStateException("frame=" + frame + " is not pinned");
            }
            if (pins == 1 && (s & ORPHAN) != 0)
            {
                // The last pin of an orphan: this CAS claims the free, so a racing hold fails from now on and the
                // frame is freed exactly once, by this thread, under the monitor.
                if (frameTable.compareAndSetPinWord(frame, s, (s & ~(PINS | ORPHAN)) | FREE))
                {
                    freeClaimedOrphan(frame);
                    return;
                }
            }
            else if (frameTable.compareAndSetPinWord(frame, s, s - 1))
            {
                return;
            }
        }
    }

    private synchronized void freeClaimedOrphan(final int frame)
    {
        if (!closed) // close() freed every kernel-owned frame, this one included
        {
            release(kernelDomain, frame);
        }
    }

    /**
     * Drops one pin and, if it was the frame's last, frees the frame: an orphan as {@link #unpinFrame} does, a frame
     * {@code owner} still owns (and is alive) as {@link #freeFrame} does; a frame whose owner is being destroyed is
     * left to {@link #destroyDomain}. For trusted code that pins frames of its own so that they outlive their
     * teardown until nothing can touch them any more (a notification channel's ring, kept out of reuse until an
     * end on another thread is quiescent). After {@link #close()} every frame is free already: nothing happens.
     *
     * @param owner the domain that owned the frame when it was pinned (it may have died since).
     * @param frame a pinned frame.
     * @throws IllegalStateException if it is not pinned.
     */
    public synchronized void unpinAndFree(final Domain owner, final int frame)
    {
        if (closed)
        {
            return;
        }
        checkFrame(frame);
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            final long pins = s & PINS;
            if ((s & FREE) != 0 || pins == 0)
            {
                throw new IllegalStateException("frame=" + frame + " is not pinned");
            }
            // Under the monitor the orphan mark, the owner and liveness cannot change; only lock-free pins, holds
            // and unpins race this CAS.
            final boolean orphan = (s & ORPHAN) != 0;
            final boolean owned = !orphan && frameTable.ownerAcquire(frame) == owner.id() &&
                owner.isAlive();
            if (pins == 1 && (orphan || owned))
            {
                if (frameTable.compareAndSetPinWord(frame, s, (s & ~(PINS | ORPHAN)) | FREE))
                {
                    release(orphan ? kernelDomain : owner, frame);
                    return;
                }
            }
            else if (frameTable.compareAndSetPinWord(frame, s, s - 1))
            {
                return;
            }
        }
    }

    /**
     * Pins for DMA the frame a domain reaches at a virtual address, on the consent its mapping carries: a driver
     * domain may pin a guest's frame only because the guest (or the hypervisor, for a grant) mapped it there, and only
     * with the rights it was mapped with, so a device can never write a page its driver may only read. Lock-free:
     * the page-table entry is read again after the frame's pin word and the pin is a compare-and-set on that word,
     * so the pin succeeds only if the mapping held for this allocation of the frame and the frame was not freed in
     * between (an unmap and free racing it either see the pin and refuse the free, or make the pin fault); once
     * pinned the frame is not freed or reused until the matching {@link #unpinFrame}. Counted as
     * {@link io.barge.core.device.DeviceCounters#DMA_PINS} on the domain.
     *
     * @param domain  the domain whose mapping is the consent (the driver domain).
     * @param address a virtual address in its space.
     * @param access  {@link Access#READ} for a device reading the frame (transmit), {@link Access#WRITE} for a device
     *                writing it (receive).
     * @return the frame, now holding one more pin.
     * @throws ProtectionFault if nothing is mapped at the address, or not with the rights the access needs.
     */
    public int pinMappedForDma(final Domain domain, final long address, final Access access)
    {
        checkLive(domain);
        final AddressSpace space = domain.addressSpace();
        final int required = Rights.required(access);
        while (true)
        {
            final long pte = space.pteAt(address);
            final int rights = (int)(pte >>> AddressSpace.PTE_RIGHTS_SHIFT) & 3;
            if ((pte & AddressSpace.PTE_PRESENT) == 0 || (rights & required) != required)
            {
                throw new ProtectionFault(domain.id(), domain.name(), address, access, "no DMA pin: " +
                    ((pte & AddressSpace.PTE_PRESENT) == 0 ? "page not mapped" : "mapping has rights " +
                    Rights.name(rights)));
            }
            final int frame = (int)(pte >>> AddressSpace.PTE_FRAME_SHIFT);
            final long s = frameTable.pinWordVolatile(frame);
            if ((s & FREE) != 0)
            {
                // The frame's free has begun (it unmaps it everywhere next): the mapping is as good as gone.
                throw new ProtectionFault(domain.id(), domain.name(), address, access,
                    "no DMA pin: page being unmapped (frame=" + frame + " is being freed)");
            }
            // Read after the word: an entry left from an earlier allocation of the frame was cleared before that
            // allocation's word was published, so an entry seen now is this allocation's.
            if (space.pteAt(address) != pte)
            {
                continue;
            }
            checkPinRoom(frame, s);
            if (frameTable.compareAndSetPinWord(frame, s, s + 1))
            {
                if (!domain.isAlive())
                {
                    // Destroyed meanwhile: its teardown may have run already and would never drop this pin.
                    unpinFrame(frame);
                    domain.checkAlive();
                }
                domain.count(io.barge.core.device.DeviceCounters.DMA_PINS, 1);
                return frame;
            }
        }
    }

    /**
     * Takes one more pin on a frame that is already pinned, for the length of one DMA transfer, so that an unpin
     * racing the transfer cannot free the frame under it; the device drops it with {@link #unpinFrame} when done.
     * A frame nobody pinned is refused: DMA reaches only what a driver pinned with its owner's consent. Lock-free.
     *
     * @param frame a frame.
     * @return true if the frame was pinned and now holds one more pin; false if it was not pinned.
     */
    public boolean holdPinnedForDma(final int frame)
    {
        checkFrame(frame);
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            if ((s & FREE) != 0 || (s & PINS) == 0)
            {
                return false;
            }
            checkPinRoom(frame, s);
            if (frameTable.compareAndSetPinWord(frame, s, s + 1))
            {
                return true;
            }
        }
    }

    /**
     * {@link #holdPinnedForDma(int)} and, if it held the frame, points {@code view} at the frame's bytes: a DMA
     * engine's whole set-up for one transfer in one lock-free step (a held frame is allocated, so no owner check is
     * needed). The caller drops the hold with {@link #unpinFrame} and stops using the view when done.
     *
     * @param frame a frame.
     * @param view  the buffer to wrap; left untouched if the frame is not pinned.
     * @return true if the frame was pinned and now holds one more pin; false if it was not pinned.
     */
    public boolean holdPinnedForDma(final int frame, final org.agrona.concurrent.UnsafeBuffer view)
    {
        if (!holdPinnedForDma(frame))
        {
            return false;
        }
        view.wrap(memory.buffer(), memory.frameOffset(frame), memory.frameSize());
        return true;
    }

    /**
     * @param frame a frame.
     * @return how many pins it holds (a snapshot: lock-free pins and unpins may change it at once).
     */
    public int pinCountOf(final int frame)
    {
        checkFrame(frame);
        final long s = frameTable.pinWordVolatile(frame);
        return (s & FREE) != 0 ? 0 : (int)(s & PINS);
    }

    /**
     * Points a buffer at one frame's physical bytes, for trusted code that acts as part of the kernel (the
     * hypervisor reading grant tables and doing grant copies) and reaches frames it holds pinned, not through a
     * domain's page table. Lock-free.
     *
     * @param view  the buffer to wrap.
     * @param frame an allocated frame.
     * @throws IllegalStateException if the frame is free.
     */
    public void wrapFrame(final org.agrona.concurrent.UnsafeBuffer view, final int frame)
    {
        if (ownerOf(frame) == NO_OWNER)
        {
            throw new IllegalStateException("frame=" + frame + " is free");
        }
        view.wrap(memory.buffer(), memory.frameOffset(frame), memory.frameSize());
    }

    private static void checkPinRoom(final int frame, final long s)
    {
        if ((s & PINS) == MAX_PINS)
        {
            throw new IllegalStateException("frame=" + frame + " holds the most pins a frame can hold");
        }
    }

    /**
     * On a frame just taken off a free list (nobody else holds it): the owner first, then the word, a new generation.
     * The word's store is volatile: a lock-free pinner that reads it sees the owner above and every page-table entry
     * the frame's previous free cleared, and the allocation's check of its owner's liveness after it is ordered with
     * the teardown's (it marks the domain dead, then reads each frame's word and owner): one of them sees the other.
     *
     * @return the word published.
     */
    private long publishAllocated(final int frame, final int ownerId)
    {
        frameTable.ownerRelease(frame, ownerId);
        final long s = frameTable.pinWordVolatile(frame);
        final long published = (s & ~(PINS | ORPHAN | FREE | BUSY)) + GENERATION;
        frameTable.pinWordVolatileStore(frame, published);
        return published;
    }

    /**
     * Marks an unpinned frame FREE so that no pin can succeed on it; false if it is pinned or already claimed. The
     * caller knows the owner (under the monitor, or its own allocation), so no transfer holds the word BUSY.
     */
    private boolean claimFree(final int frame)
    {
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            if ((s & (FREE | PINS)) != 0)
            {
                return false;
            }
            if (frameTable.compareAndSetPinWord(frame, s, s | FREE))
            {
                return true;
            }
        }
    }

    /**
     * Under the monitor, for a frame of a dying owner: claims it FREE if unpinned ({@link #CLAIMED_FREE}), else marks
     * it an orphan ({@link #CLAIMED_ORPHAN}) in the same word the unpins change, so the last unpin either came
     * before (and the frame is freed here) or sees the mark (and frees it there), never neither nor both. A frame
     * already FREE is being freed by whoever claimed it (a free of the owner that began before its death, or an
     * allocation undone): {@link #CLAIMED_ELSEWHERE}, left to that party.
     */
    private int claimFreeOrOrphan(final int frame)
    {
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            if ((s & FREE) != 0)
            {
                return CLAIMED_ELSEWHERE;
            }
            final boolean unpinned = (s & PINS) == 0;
            if (frameTable.compareAndSetPinWord(frame, s, unpinned ? s | FREE : s | ORPHAN))
            {
                return unpinned ? CLAIMED_FREE : CLAIMED_ORPHAN;
            }
        }
    }

    /** Under the monitor in close(): the frame goes free whatever pins it holds. */
    private void forceFree(final int frame)
    {
        while (true)
        {
            final long s = frameTable.pinWordVolatile(frame);
            if (frameTable.compareAndSetPinWord(frame, s, (s & ~(PINS | ORPHAN)) | FREE))
            {
                return;
            }
        }
    }

    // ---- virtual ranges ----------------------------------------------------------------------------------------
    // Not on the kernel's monitor: a domain's private window has its own lock (its allocator), the global window
    // another, so reservations of different domains do not contend. Nothing else reads the allocators.

    /**
     * Reserves a run of pages in a domain's private window.
     *
     * @param domain the domain.
     * @param pages  run length.
     * @return the first virtual address of the run.
     * @throws IllegalStateException if the window has no such run free.
     */
    public long reserve(final Domain domain, final int pages)
    {
        checkLive(domain);
        final long page;
        synchronized (domain.privateRanges)
        {
            page = domain.privateRanges.reserve(pages);
        }
        if (page < 0)
        {
            throw new IllegalStateException("domain " + domain + " has no " + pages + " free virtual pages");
        }
        domain.count(CounterType.VIRTUAL_RANGE_OPS, 1);
        return page << memory.frameShift();
    }

    /**
     * @param domain  the domain.
     * @param address an address returned by {@link #reserve(Domain, int)}.
     * @param pages   the run length reserved.
     */
    public void unreserve(final Domain domain, final long address, final int pages)
    {
        synchronized (domain.privateRanges)
        {
            domain.privateRanges.release(address >>> memory.frameShift(), pages);
        }
        domain.count(CounterType.VIRTUAL_RANGE_OPS, 1);
    }

    /**
     * Reserves a run of pages at the same address in every domain (the global window).
     *
     * @param pages run length.
     * @return the first virtual address of the run.
     * @throws IllegalStateException if the window has no such run free.
     */
    public long reserveGlobal(final int pages)
    {
        final long page;
        synchronized (globalRanges)
        {
            page = globalRanges.reserve(pages);
        }
        if (page < 0)
        {
            throw new IllegalStateException("global window has no " + pages + " free virtual pages");
        }
        return page << memory.frameShift();
    }

    /**
     * @param address an address returned by {@link #reserveGlobal(int)}.
     * @param pages   the run length reserved.
     */
    public void unreserveGlobal(final long address, final int pages)
    {
        synchronized (globalRanges)
        {
            globalRanges.release(address >>> memory.frameShift(), pages);
        }
    }

    /**
     * @param address a virtual address.
     * @return whether it lies in the global window.
     */
    public boolean isGlobal(final long address)
    {
        final long page = address >>> memory.frameShift();
        return address >= 0 && globalRanges.contains(page);
    }

    // ---- page tables -------------------------------------------------------------------------------------------

    /**
     * Maps a frame the domain owns.
     *
     * @param domain  the owner.
     * @param address page-aligned virtual address.
     * @param frame   the frame.
     * @param rights  {@link Rights#READ} or {@link Rights#READ_WRITE}.
     * @throws FrameOwnershipException if the domain does not own the frame.
     */
    public void map(final Domain domain, final long address, final int frame, final int rights)
    {
        checkOwner(domain, frame); // outside the lock too: a bad frame number fails before any lock
        synchronized (domain.pageTableLock)
        {
            checkLive(domain);
            install(domain, address, frame, rights, domain.id());
        }
    }

    /**
     * The owner consents to let one domain map one of its frames: the kernel records the offer and returns its
     * capability, a value the owner passes to the grantee (in a message, or by the channel set-up that acts for
     * both). Sharing has no other way in: a domain reaches another's frame only through an offer its owner made
     * here, or through a grant (the hypervisor's), which is the same consent kept in the granter's grant table.
     *
     * @param owner     the frame's owner.
     * @param frame     the frame.
     * @param grantee   the only domain that may use the offer.
     * @param maxRights {@link Rights#READ} or {@link Rights#READ_WRITE}: the most the grantee may map it with.
     * @return the capability, never 0; it is good for one mapping.
     * @throws FrameOwnershipException if {@code owner} does not own the frame.
     */
    public long offerShare(final Domain owner, final int frame, final Domain grantee, final int maxRights)
    {
        checkOwner(owner, frame);
        checkLive(grantee);
        Rights.checkRights(maxRights);
        if (maxRights == Rights.NONE)
        {
            throw new IllegalArgumentException("a share offer needs READ or READ_WRITE");
        }
        final ShareTable stripe = stripeOf(owner);
        final long capability;
        synchronized (stripe)
        {
            final int slot = stripe.add(owner.id(), frame, grantee.id(), maxRights);
            // Checked again after the add, under the stripe: a free or transfer moves the frame's owner word, and
            // a destroy marks its domain dead, before it sweeps this stripe. One that swept first is seen here (the
            // stripe's monitor orders its store before this read); one that sweeps later removes this offer.
            // Either way no offer outlives its frame's ownership or its domains.
            if (frameTable.ownerAcquire(frame) != owner.id() || !owner.isAlive() || !grantee.isAlive())
            {
                stripe.remove(slot);
                checkLive(owner);
                checkLive(grantee);
                throw new FrameOwnershipException("frame=" + frame + " changed hands while " + owner + " offered it");
            }
            capability = stripe.capability(slot);
        }
        owner.count(CounterType.SHARES_OFFERED, 1);
        return capability;
    }

    /**
     * The grantee takes an offer: the kernel validates the capability against what the owner offered (issued to this
     * domain, unused, rights within the offer, the owner still owning the frame) and maps the frame.
     *
     * @param grantee    the domain the offer names.
     * @param capability from {@link #offerShare}.
     * @param address    page-aligned virtual address in the grantee.
     * @param rights     {@link Rights#READ} or {@link Rights#READ_WRITE}, at most the offer's.
     * @return the frame now mapped.
     * @throws InvalidCapabilityException if the capability names no such offer; nothing is mapped then.
     */
    public int acceptShare(final Domain grantee, final long capability, final long address, final int rights)
    {
        checkLive(grantee);
        final int stripeIndex = ShareTable.stripeOf(capability, SHARE_STRIPE_BITS);
        if (stripeIndex < 0)
        {
            throw noOffer(grantee, capability);
        }
        final ShareTable stripe = shares[stripeIndex];
        final int frame;
        synchronized (stripe)
        {
            final int slot = stripe.find(capability);
            if (slot < 0)
            {
                throw noOffer(grantee, capability);
            }
            if (stripe.granteeId(slot) != grantee.id())
            {
                throw new InvalidCapabilityException("capability 0x" + Long.toHexString(capability) +
                    " was offered to domain " + stripe.granteeId(slot) + ", not to " + grantee);
            }
            if ((rights & ~stripe.rights(slot)) != 0)
            {
                throw new InvalidCapabilityException(grantee + " asked for rights=" + rights +
                    " under an offer of rights=" + stripe.rights(slot));
            }
            frame = stripe.frame(slot);
            if (frameTable.ownerAcquire(frame) != stripe.ownerId(slot))
            {
                throw new InvalidCapabilityException("capability 0x" + Long.toHexString(capability) + ": frame=" +
                    frame + " is no longer owned by domain " + stripe.ownerId(slot));
            }
            synchronized (grantee.pageTableLock)
            {
                checkLive(grantee);
                install(grantee, address, frame, rights, stripe.ownerId(slot));
            }
            stripe.remove(slot);
        }
        return frame;
    }

    private static InvalidCapabilityException noOffer(final Domain grantee, final long capability)
    {
        return new InvalidCapabilityException(grantee + " presented capability 0x" + Long.toHexString(capability) +
            ", which names no offer (never made, used, withdrawn, or its frame freed)");
    }

    /**
     * The owner takes back an offer not yet used.
     *
     * @param owner      the domain that made it.
     * @param capability from {@link #offerShare}.
     * @return true if the offer was pending and is gone now; false if it was used or never existed.
     * @throws InvalidCapabilityException if it is another domain's offer.
     */
    public boolean withdrawShare(final Domain owner, final long capability)
    {
        checkLive(owner);
        final int stripeIndex = ShareTable.stripeOf(capability, SHARE_STRIPE_BITS);
        if (stripeIndex < 0)
        {
            return false;
        }
        final ShareTable stripe = shares[stripeIndex];
        synchronized (stripe)
        {
            final int slot = stripe.find(capability);
            if (slot < 0)
            {
                return false;
            }
            if (stripe.ownerId(slot) != owner.id())
            {
                throw new InvalidCapabilityException(owner + " cannot withdraw an offer made by domain " +
                    stripe.ownerId(slot));
            }
            stripe.remove(slot);
            return true;
        }
    }

    /**
     * @return offers made and neither used nor withdrawn (for leak checks).
     */
    public int pendingShares()
    {
        int pending = 0;
        for (final ShareTable stripe : shares)
        {
            synchronized (stripe)
            {
                pending += stripe.pending();
            }
        }
        return pending;
    }

    /** Under the domain's page-table lock: maps a frame that {@code ownerId} owns (checked here, against frees). */
    private void install(final Domain domain, final long address, final int frame, final int rights,
        final int ownerId)
    {
        Rights.checkRights(rights);
        if (rights == Rights.NONE)
        {
            throw new IllegalArgumentException("a mapping needs READ or READ_WRITE");
        }
        final long vpn = checkPage(domain, address);
        final AddressSpace space = domain.addressSpace();
        final long old = space.pte(vpn);
        if ((old & AddressSpace.PTE_PRESENT) != 0)
        {
            throw new IllegalStateException("domain " + domain + " already maps address 0x" +
                Long.toHexString(address) + " to frame " + (old >>> AddressSpace.PTE_FRAME_SHIFT));
        }
        // The owner is checked between two reads of the frame's word, and the map count raised before the second:
        // if the second shows the same allocation, not FREE, the owner read was this allocation's, and a free that
        // claims FREE later reads this count (all volatile, one order) and scans, waiting for this domain's lock.
        // Otherwise the frame is being (or was) freed: back out. Never a mapping of a frame on the free stack or
        // handed to somebody else.
        final long before = frameTable.pinWordVolatile(frame);
        final int current = frameTable.ownerAcquire(frame);
        if ((before & FREE) == 0 && current != ownerId)
        {
            throw new FrameOwnershipException("frame=" + frame + " is owned by " +
                (current == NO_OWNER ? "nobody (free)" : "domain " + current) + ", not by domain " + ownerId);
        }
        frameTable.addMapCount(frame, 1);
        final long after = frameTable.pinWordVolatile(frame);
        if ((before & FREE) != 0 || ((before ^ after) & ~(PINS | ORPHAN)) != 0)
        {
            frameTable.addMapCount(frame, -1);
            throw new FrameOwnershipException("frame=" + frame + " is free or being freed; domain " + domain +
                " cannot map it");
        }
        space.writePte(vpn, frame, rights);
        domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
    }

    /**
     * Removes a mapping. The translation entry for the page is dropped; call {@link #flush} for a full flush.
     *
     * @param domain  the domain.
     * @param address page-aligned mapped address.
     * @return the frame that was mapped.
     */
    public int unmap(final Domain domain, final long address)
    {
        final long vpn = checkPage(domain, address);
        synchronized (domain.pageTableLock)
        {
            checkLive(domain);
            final long pte = domain.addressSpace().pte(vpn);
            if ((pte & AddressSpace.PTE_PRESENT) == 0)
            {
                throw new IllegalStateException("domain " + domain + " maps nothing at 0x" +
                    Long.toHexString(address));
            }
            final int frame = (int)(pte >>> AddressSpace.PTE_FRAME_SHIFT);
            domain.addressSpace().clearPte(vpn);
            frameTable.addMapCount(frame, -1);
            domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
            return frame;
        }
    }

    /**
     * Changes the rights of an existing mapping (counted as a protection change and a page-table update).
     *
     * @param domain  the domain.
     * @param address page-aligned mapped address.
     * @param rights  {@link Rights#READ} or {@link Rights#READ_WRITE}.
     */
    public void protect(final Domain domain, final long address, final int rights)
    {
        Rights.checkRights(rights);
        final long vpn = checkPage(domain, address);
        synchronized (domain.pageTableLock)
        {
            checkLive(domain);
            final long pte = domain.addressSpace().pte(vpn);
            if ((pte & AddressSpace.PTE_PRESENT) == 0)
            {
                throw new IllegalStateException("domain " + domain + " maps nothing at 0x" +
                    Long.toHexString(address));
            }
            domain.addressSpace().writePte(vpn, (int)(pte >>> AddressSpace.PTE_FRAME_SHIFT), rights);
            domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
            domain.count(CounterType.PROTECTION_CHANGES, 1);
        }
    }

    /**
     * Flushes a domain's whole translation cache (counted); the next accesses walk the page table.
     *
     * @param domain the domain.
     */
    public void flush(final Domain domain)
    {
        synchronized (domain.pageTableLock)
        {
            domain.addressSpace().flushTlb();
            domain.count(CounterType.TLB_FLUSHES, 1);
        }
    }

    // ---- copies ------------------------------------------------------------------------------------------------

    /**
     * Copies bytes between two domains' address spaces and counts them on the acting domain. Each page of both ranges
     * is translated exactly once, the source for read and the destination for write, all before the first byte
     * moves: a missing right raises {@link ProtectionFault} and changes nothing, and the bytes go to the frames
     * that were checked (no second translation that a concurrent unmap could change). Does not take the kernel
     * lock; multi-page copies use a per-thread scratch table of page offsets, so steady-state copies allocate
     * nothing.
     *
     * @param actor   the domain on whose behalf the copy runs (counted).
     * @param src     source domain.
     * @param srcAddr source virtual address.
     * @param dst     destination domain.
     * @param dstAddr destination virtual address.
     * @param length  bytes.
     */
    public void copy(final Domain actor, final Domain src, final long srcAddr, final Domain dst, final long dstAddr,
        final int length)
    {
        if (length < 0)
        {
            throw new IllegalArgumentException("length=" + length + " must not be negative");
        }
        if (length > 0)
        {
            final AddressSpace from = src.addressSpace();
            final AddressSpace to = dst.addressSpace();
            final org.agrona.concurrent.UnsafeBuffer physical = memory.buffer();
            if (from.inOnePage(srcAddr, length) && to.inOnePage(dstAddr, length))
            {
                final int s = from.translate(srcAddr, Access.READ);
                physical.putBytes(to.translate(dstAddr, Access.WRITE), physical, s, length);
            }
            else
            {
                copyPages(from, srcAddr, to, dstAddr, length, physical);
            }
        }
        actor.count(CounterType.BYTES_COPIED, length);
    }

    private void copyPages(final AddressSpace from, final long srcAddr, final AddressSpace to, final long dstAddr,
        final int length, final org.agrona.concurrent.UnsafeBuffer physical)
    {
        final CopyScratch scratch = COPY_SCRATCH.get();
        final int[] srcPages = scratch.source(from.pagesSpanned(srcAddr, length));
        final int[] dstPages = scratch.destination(to.pagesSpanned(dstAddr, length));
        from.translatePages(srcAddr, length, Access.READ, srcPages);
        to.translatePages(dstAddr, length, Access.WRITE, dstPages);
        final int shift = memory.frameShift();
        final int pageMask = memory.frameSize() - 1;
        final long srcFirst = srcAddr >>> shift;
        final long dstFirst = dstAddr >>> shift;
        long s = srcAddr;
        long d = dstAddr;
        int done = 0;
        while (done < length)
        {
            final int sIn = (int)(s & pageMask);
            final int dIn = (int)(d & pageMask);
            final int chunk = Math.min(length - done, Math.min(pageMask + 1 - sIn, pageMask + 1 - dIn));
            physical.putBytes(dstPages[(int)((d >>> shift) - dstFirst)] + dIn, physical,
                srcPages[(int)((s >>> shift) - srcFirst)] + sIn, chunk);
            s += chunk;
            d += chunk;
            done += chunk;
        }
    }

    private static final ThreadLocal<CopyScratch> COPY_SCRATCH = ThreadLocal.withInitial(CopyScratch::new);

    /** Per-thread tables of the page offsets one multi-page copy translated; they only grow. */
    private static final class CopyScratch
    {
        private int[] source = new int[16];
        private int[] destination = new int[16];

        int[] source(final int pages)
        {
            if (source.length < pages)
            {
                source = new int[Math.max(pages, source.length * 2)];
            }
            return source;
        }

        int[] destination(final int pages)
        {
            if (destination.length < pages)
            {
                destination = new int[Math.max(pages, destination.length * 2)];
            }
            return destination;
        }
    }

    // ---- checks ------------------------------------------------------------------------------------------------

    private long checkPage(final Domain domain, final long address)
    {
        final long pageMask = memory.frameSize() - 1;
        if ((address & pageMask) != 0)
        {
            throw new IllegalArgumentException("address=0x" + Long.toHexString(address) + " is not page aligned");
        }
        final long vpn = address >>> memory.frameShift();
        if (address <= 0 || vpn >= maxPages)
        {
            throw new IllegalArgumentException("address=0x" + Long.toHexString(address) +
                " is outside the mappable range of domain " + domain);
        }
        return vpn;
    }

    private void checkOwner(final Domain domain, final int frame)
    {
        checkLive(domain);
        checkFrame(frame);
        final int current = frameTable.ownerAcquire(frame);
        if (current != domain.id())
        {
            throw new FrameOwnershipException("frame=" + frame + " is owned by " +
                (current == NO_OWNER ? "nobody (free)" : "domain " + current) + ", not by " + domain);
        }
    }

    private void checkFrame(final int frame)
    {
        if (frame < 0 || frame >= frameTable.frameCount())
        {
            throw new IllegalArgumentException("frame=" + frame + " outside [0, " + frameTable.frameCount() + ")");
        }
    }

    private void checkLive(final Domain domain)
    {
        checkOpen();
        if (domain.kernel() != this)
        {
            throw new IllegalArgumentException("domain " + domain + " belongs to another kernel");
        }
        domain.checkAlive();
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("kernel is closed");
        }
    }

    /**
     * Destroys every domain (returning all frames) and frees the counters. Physical memory stays open unless this
     * kernel owns it ({@link #withMemoryMiB(int)}), in which case it is freed last. Idempotent.
     */
    public void close()
    {
        final List<Domain> live;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            live = new ArrayList<>(domains.values());
        }
        for (final Domain domain : live)
        {
            if (domain != kernelDomain)
            {
                // A domain closed by another thread meanwhile is skipped, not an error.
                destroyIfAlive(domain);
            }
        }
        synchronized (this)
        {
            closed = true; // first: an unpin of a frame freed below then sees a closed kernel, not a pin-count bug
            kernelDomain.markDestroyed();
            synchronized (kernelDomain.pageTableLock)
            {
                kernelDomain.addressSpace().clearAll((vpn, frame) -> frameTable.addMapCount(frame, -1));
            }
            kernelDomain.frameCache.drain(true);
            for (int frame = 0; frame < frameTable.frameCount(); frame++)
            {
                if (frameTable.ownerAcquire(frame) == KERNEL_DOMAIN_ID)
                {
                    // Orphans still pinned go too (the machine is gone); an orphan whose last unpin claimed it and
                    // waits for the monitor finds the kernel closed and leaves it to this loop.
                    forceFree(frame);
                    frameTable.ownerRelease(frame, NO_OWNER);
                    memory.freeFrame(frame);
                }
            }
        }
        reclaimers.clear();
        counters.close();
        if (machineFile != null)
        {
            machineFile.close(); // after every domain is gone: the file keeps the final counts
        }
        if (ownsMemory)
        {
            memory.close();
        }
    }

    /**
     * Builds a kernel. Memory is either given (the caller closes it after the kernel) or sized here (the kernel owns
     * and frees it); with a machine directory the counters live in that directory's machine file, which
     * {@link #close()} marks closed.
     */
    public static final class Builder
    {
        private PhysicalMemory memory;
        private int memoryMiB = 64;
        private int maxPages = DEFAULT_MAX_PAGES;
        private int maxDomains = 1024;
        private Path machineDirectory;
        private boolean memoryFile;
        private long heartbeatTimeoutMs = MachineFile.DEFAULT_HEARTBEAT_TIMEOUT_MS;

        private Builder()
        {
        }

        /**
         * @param memory physical memory the caller owns and closes after the kernel.
         * @return this.
         */
        public Builder memory(final PhysicalMemory memory)
        {
            this.memory = memory;
            return this;
        }

        /**
         * @param mib megabytes of direct memory the kernel allocates and owns (default 64), unless
         *            {@link #memory(PhysicalMemory)} is given.
         * @return this.
         */
        public Builder memoryMiB(final int mib)
        {
            this.memoryMiB = mib;
            return this;
        }

        /**
         * @param maxPages virtual pages per domain, a power of two of at least 16 (default
         *                 {@link #DEFAULT_MAX_PAGES}).
         * @return this.
         */
        public Builder maxPages(final int maxPages)
        {
            this.maxPages = maxPages;
            return this;
        }

        /**
         * @param maxDomains how many domains may live at once (default 1024); sizes the counters.
         * @return this.
         */
        public Builder maxDomains(final int maxDomains)
        {
            this.maxDomains = maxDomains;
            return this;
        }

        /**
         * @param directory where the machine file goes (e.g. {@link MachineFile#defaultDirectory()}); null (the
         *                  default) keeps the counters in this JVM's memory.
         * @return this.
         */
        public Builder machineDirectory(final Path directory)
        {
            this.machineDirectory = directory;
            return this;
        }

        /**
         * Puts the physical memory the kernel allocates ({@link #memoryMiB(int)}) in the machine directory's
         * {@link io.barge.core.machine.MachineFileDescriptor#MEMORY_FILE_NAME} instead of direct memory, so that
         * client processes can map the frames of the channels they are given. Off by default: the in-JVM machine
         * keeps its memory private.
         *
         * @param inFile whether the memory goes in the machine directory (needs one; ignored if
         *               {@link #memory(PhysicalMemory)} is given).
         * @return this.
         */
        public Builder memoryInMachineDirectory(final boolean inFile)
        {
            this.memoryFile = inFile;
            return this;
        }

        /**
         * @param timeoutMs how old the kernel's heartbeat may grow before readers call the machine stale (default
         *                  {@link MachineFile#DEFAULT_HEARTBEAT_TIMEOUT_MS}).
         * @return this.
         */
        public Builder heartbeatTimeoutMs(final long timeoutMs)
        {
            this.heartbeatTimeoutMs = timeoutMs;
            return this;
        }

        /**
         * @return the kernel.
         * @throws io.barge.core.machine.MachineFileException if the machine directory has a live kernel or cannot
         *                                                    hold the file.
         * @throws MissingJvmFlagException                    if the JVM lacks {@link JvmFlags#ADD_OPENS}.
         */
        public Kernel build()
        {
            JvmFlags.checkAgronaAccess();
            if (maxDomains < 1)
            {
                throw new IllegalArgumentException("maxDomains=" + maxDomains + " must be positive");
            }
            final boolean owns = memory == null;
            final boolean inFile = owns && memoryFile;
            if (inFile && machineDirectory == null)
            {
                throw new IllegalArgumentException("memoryInMachineDirectory needs a machineDirectory");
            }
            PhysicalMemory physical = inFile ? null : owns ? PhysicalMemory.allocateDirectMiB(memoryMiB) : memory;
            MachineFile file = null;
            try
            {
                file = machineDirectory == null ? null :
                    MachineFile.create(machineDirectory, maxCounters(maxDomains), heartbeatTimeoutMs);
                if (inFile)
                {
                    // After the machine file: its lock is held, so no live kernel's memory file is replaced.
                    physical = PhysicalMemory.createFileAtomically(
                        machineDirectory.resolve(io.barge.core.machine.MachineFileDescriptor.MEMORY_FILE_NAME),
                        (int)((long)memoryMiB * 1024 * 1024 / PhysicalMemory.DEFAULT_FRAME_SIZE),
                        PhysicalMemory.DEFAULT_FRAME_SIZE);
                }
                return new Kernel(physical, maxPages, maxDomains, owns, file);
            }
            catch (final RuntimeException | Error ex)
            {
                if (file != null)
                {
                    file.close();
                }
                if (owns && physical != null)
                {
                    physical.close();
                }
                throw ex;
            }
        }
    }
}
