package io.barge.core;

import io.barge.core.machine.MachineFile;
import org.agrona.collections.Int2ObjectHashMap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * State changes are serialised on the kernel's monitor (a trap into a single kernel); translation and
 * {@link #copy} do not take it, so data paths on different threads never contend on the kernel.
 */
public final class Kernel implements AutoCloseable
{
    /** Default virtual address space: 1 Mi pages (4 GiB with 4 KiB pages). */
    public static final int DEFAULT_MAX_PAGES = 1 << 20;
    /** Id of the kernel's own domain, which owns kernel buffers. */
    public static final int KERNEL_DOMAIN_ID = 0;

    private static final int NO_OWNER = -1;

    private final PhysicalMemory memory;
    private final SystemCounters counters;
    private final int maxPages;
    private final int privatePages;
    private final VirtualRangeAllocator globalRanges;
    private final int[] owner;
    private final int[] mapCount;
    /** Pins per frame (a hypervisor's grant mapping, a device's DMA): a pinned frame is not freed. */
    private final int[] pinCount;
    /** Pinned frames whose owner died: kept (owned by the kernel domain) until the last unpin frees them. */
    private final java.util.BitSet orphaned = new java.util.BitSet();
    private final Int2ObjectHashMap<Domain> domains = new Int2ObjectHashMap<>();
    private final ShareTable shares = new ShareTable();
    private final List<DomainListener> listeners = new CopyOnWriteArrayList<>();
    /** Holders of pins kept past a teardown, asked to drop them before frames are counted or run out. */
    private final List<PinReclaimer> reclaimers = new CopyOnWriteArrayList<>();
    private final Domain kernelDomain;
    private final boolean ownsMemory;
    private final MachineFile machineFile;
    private int nextDomainId = KERNEL_DOMAIN_ID;
    private boolean closed;

    /**
     * A kernel on memory the caller owns: close the kernel first, then the memory. {@link #withMemoryMiB(int)}
     * is the simpler form, a kernel that owns its memory.
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
        this.owner = new int[memory.frameCount()];
        this.mapCount = new int[memory.frameCount()];
        this.pinCount = new int[memory.frameCount()];
        Arrays.fill(owner, NO_OWNER);
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
     * Destroys a domain: listeners are told, its mappings removed, every frame it owned unmapped everywhere and freed,
     * its counters folded into the retired totals.
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
        synchronized (this)
        {
            domain.addressSpace().forEachMapping((vpn, frame) -> mapCount[frame]--);
            domain.addressSpace().clearAll();
            final int id = domain.id();
            for (int frame = 0; frame < owner.length; frame++)
            {
                if (owner[frame] == id)
                {
                    if (pinCount[frame] > 0)
                    {
                        orphan(frame);
                    }
                    else
                    {
                        release(domain, frame);
                    }
                }
            }
            domains.remove(id);
            shares.removeDomain(id);
            counters.retireDomain(domain.counters());
        }
    }

    // ---- frames ------------------------------------------------------------------------------------------------

    /**
     * @param owner the domain that will own the frame.
     * @param zero  whether to fill it with zeros (counted).
     * @return the frame number.
     * @throws OutOfFramesException if none is free.
     */
    public int allocateFrame(final Domain owner, final boolean zero)
    {
        try
        {
            return allocateFrameLocked(owner, zero);
        }
        catch (final OutOfFramesException ex)
        {
            if (reclaimPins())
            {
                return allocateFrameLocked(owner, zero);
            }
            throw ex;
        }
    }

    private synchronized int allocateFrameLocked(final Domain owner, final boolean zero)
    {
        checkLive(owner);
        final int frame = memory.allocateFrame();
        this.owner[frame] = owner.id();
        owner.count(CounterType.FRAMES_ALLOCATED, 1);
        if (zero)
        {
            zero(owner, frame);
        }
        return frame;
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
        if (count > memory.freeFrames())
        {
            reclaimPins();
        }
        allocateFramesLocked(owner, count, zero, frames);
    }

    private synchronized void allocateFramesLocked(
        final Domain owner, final int count, final boolean zero, final int[] frames)
    {
        checkLive(owner);
        if (count > memory.freeFrames())
        {
            throw new OutOfFramesException("asked for " + count + " frames, " + memory.freeFrames() + " free");
        }
        for (int i = 0; i < count; i++)
        {
            frames[i] = allocateFrameLocked(owner, zero);
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
            if (reclaimPins())
            {
                return allocateRunLocked(owner, count, zero);
            }
            throw ex;
        }
    }

    private synchronized int allocateRunLocked(final Domain owner, final int count, final boolean zero)
    {
        checkLive(owner);
        final int first = memory.allocateRun(count);
        for (int frame = first; frame < first + count; frame++)
        {
            this.owner[frame] = owner.id();
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
    public synchronized void zeroFrame(final Domain owner, final int frame)
    {
        checkOwner(owner, frame);
        zero(owner, frame);
    }

    private void zero(final Domain owner, final int frame)
    {
        memory.buffer().setMemory(memory.frameOffset(frame), memory.frameSize(), (byte)0);
        owner.count(CounterType.FRAMES_ZEROED, 1);
    }

    /**
     * Frees a frame: removes it from every address space that still maps it (flushing those), then returns it.
     *
     * @param owner the frame's owner.
     * @param frame the frame.
     * @throws FrameOwnershipException if {@code owner} does not own it.
     */
    public synchronized void freeFrame(final Domain owner, final int frame)
    {
        checkOwner(owner, frame);
        checkNotPinned(frame);
        release(owner, frame);
    }

    private void release(final Domain owner, final int frame)
    {
        if (mapCount[frame] > 0)
        {
            unmapEverywhere(frame);
        }
        // Whatever the map count: a translation cached by a walk that raced an earlier unmap must not reach the
        // frame once it is reused (the address spaces also refuse to cache such walks; this is the kernel's check).
        for (final Domain domain : domains.values())
        {
            domain.addressSpace().invalidateFrame(frame);
        }
        this.owner[frame] = NO_OWNER;
        shares.removeFrame(frame);
        memory.freeFrame(frame);
        owner.count(CounterType.FRAMES_FREED, 1);
    }

    private void unmapEverywhere(final int frame)
    {
        final List<long[]> victims = new ArrayList<>();
        for (final Domain domain : domains.values())
        {
            domain.addressSpace().forEachMapping((vpn, f) ->
            {
                if (f == frame)
                {
                    victims.add(new long[]{ domain.id(), vpn });
                }
            });
        }
        for (final long[] victim : victims)
        {
            final Domain domain = domains.get((int)victim[0]);
            domain.addressSpace().clearPte(victim[1]);
            mapCount[frame]--;
            domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
            flush(domain);
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
        shares.removeFrame(frame); // the old owner's offers go with its ownership
        owner[frame] = to.id();
    }

    /**
     * @param frame a frame.
     * @return the owning domain's id, or -1 if free.
     */
    public synchronized int ownerOf(final int frame)
    {
        checkFrame(frame);
        return owner[frame];
    }

    /**
     * @param frame a frame.
     * @return how many page-table entries map it.
     */
    public synchronized int mapCountOf(final int frame)
    {
        checkFrame(frame);
        return mapCount[frame];
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
    public synchronized void pinFrame(final Domain owner, final int frame)
    {
        checkOwner(owner, frame);
        pinCount[frame]++;
    }

    /**
     * Drops one pin. The last unpin of a frame whose owner died frees it (unmapping it wherever it is still mapped).
     *
     * @param frame a pinned frame.
     * @throws IllegalStateException if it is not pinned.
     */
    public synchronized void unpinFrame(final int frame)
    {
        checkFrame(frame);
        if (pinCount[frame] == 0)
        {
            throw new IllegalStateException("frame=" + frame + " is not pinned");
        }
        if (--pinCount[frame] == 0 && orphaned.get(frame))
        {
            orphaned.clear(frame);
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
        if (pinCount[frame] == 0)
        {
            throw new IllegalStateException("frame=" + frame + " is not pinned");
        }
        if (--pinCount[frame] > 0)
        {
            return;
        }
        if (orphaned.get(frame))
        {
            orphaned.clear(frame);
            release(kernelDomain, frame);
        }
        else if (this.owner[frame] == owner.id() && owner.isAlive())
        {
            release(owner, frame);
        }
    }

    /**
     * Pins for DMA the frame a domain reaches at a virtual address, on the consent its mapping carries: a driver
     * domain may pin a guest's frame only because the guest (or the hypervisor, for a grant) mapped it there, and only
     * with the rights it was mapped with, so a device can never write a page its driver may only read. The check
     * and the pin are one step under the kernel's monitor: an unmap cannot slip between them, and once pinned the
     * frame is not freed or reused until the matching {@link #unpinFrame}. Counted as
     * {@link io.barge.core.device.DeviceCounters#DMA_PINS} on the domain.
     *
     * @param domain  the domain whose mapping is the consent (the driver domain).
     * @param address a virtual address in its space.
     * @param access  {@link Access#READ} for a device reading the frame (transmit), {@link Access#WRITE} for a device
     *                writing it (receive).
     * @return the frame, now holding one more pin.
     * @throws ProtectionFault if nothing is mapped at the address, or not with the rights the access needs.
     */
    public synchronized int pinMappedForDma(final Domain domain, final long address, final Access access)
    {
        checkLive(domain);
        final AddressSpace space = domain.addressSpace();
        final int rights = space.rightsAt(address);
        final int frame = space.frameAt(address);
        final int required = Rights.required(access);
        if (frame < 0 || rights < 0 || (rights & required) != required)
        {
            throw new ProtectionFault(domain.id(), domain.name(), address, access, "no DMA pin: " +
                (frame < 0 ? "page not mapped" : "mapping has rights " + Rights.name(rights)));
        }
        pinCount[frame]++;
        domain.count(io.barge.core.device.DeviceCounters.DMA_PINS, 1);
        return frame;
    }

    /**
     * Takes one more pin on a frame that is already pinned, for the length of one DMA transfer, so that an unpin
     * racing the transfer cannot free the frame under it; the device drops it with {@link #unpinFrame} when done.
     * A frame nobody pinned is refused: DMA reaches only what a driver pinned with its owner's consent.
     *
     * @param frame a frame.
     * @return true if the frame was pinned and now holds one more pin; false if it was not pinned.
     */
    public synchronized boolean holdPinnedForDma(final int frame)
    {
        checkFrame(frame);
        if (pinCount[frame] == 0)
        {
            return false;
        }
        pinCount[frame]++;
        return true;
    }

    /**
     * @param frame a frame.
     * @return how many pins it holds.
     */
    public synchronized int pinCountOf(final int frame)
    {
        checkFrame(frame);
        return pinCount[frame];
    }

    /**
     * Points a buffer at one frame's physical bytes, for trusted code that acts as part of the kernel (the
     * hypervisor reading grant tables and doing grant copies) and reaches frames it holds pinned, not through a
     * domain's page table.
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

    private void checkNotPinned(final int frame)
    {
        if (pinCount[frame] > 0)
        {
            throw new FrameInUseException("frame=" + frame + " holds " + pinCount[frame] + " pin(s) and cannot be freed");
        }
    }

    private void orphan(final int frame)
    {
        // Other domains' mappings of the frame stay: they were made with the dead owner's consent and end by unpin.
        owner[frame] = KERNEL_DOMAIN_ID;
        orphaned.set(frame);
    }

    // ---- virtual ranges ----------------------------------------------------------------------------------------

    /**
     * Reserves a run of pages in a domain's private window.
     *
     * @param domain the domain.
     * @param pages  run length.
     * @return the first virtual address of the run.
     * @throws IllegalStateException if the window has no such run free.
     */
    public synchronized long reserve(final Domain domain, final int pages)
    {
        checkLive(domain);
        final long page = domain.privateRanges.reserve(pages);
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
    public synchronized void unreserve(final Domain domain, final long address, final int pages)
    {
        domain.privateRanges.release(address >>> memory.frameShift(), pages);
        domain.count(CounterType.VIRTUAL_RANGE_OPS, 1);
    }

    /**
     * Reserves a run of pages at the same address in every domain (the global window).
     *
     * @param pages run length.
     * @return the first virtual address of the run.
     * @throws IllegalStateException if the window has no such run free.
     */
    public synchronized long reserveGlobal(final int pages)
    {
        final long page = globalRanges.reserve(pages);
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
    public synchronized void unreserveGlobal(final long address, final int pages)
    {
        globalRanges.release(address >>> memory.frameShift(), pages);
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
    public synchronized void map(final Domain domain, final long address, final int frame, final int rights)
    {
        checkOwner(domain, frame);
        install(domain, address, frame, rights);
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
    public synchronized long offerShare(final Domain owner, final int frame, final Domain grantee,
        final int maxRights)
    {
        checkOwner(owner, frame);
        checkLive(grantee);
        Rights.checkRights(maxRights);
        if (maxRights == Rights.NONE)
        {
            throw new IllegalArgumentException("a share offer needs READ or READ_WRITE");
        }
        owner.count(CounterType.SHARES_OFFERED, 1);
        return shares.add(owner.id(), frame, grantee.id(), maxRights);
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
    public synchronized int acceptShare(final Domain grantee, final long capability, final long address,
        final int rights)
    {
        checkLive(grantee);
        final int slot = shares.find(capability);
        if (slot < 0)
        {
            throw new InvalidCapabilityException(grantee + " presented capability 0x" + Long.toHexString(capability) +
                ", which names no offer (never made, used, withdrawn, or its frame freed)");
        }
        if (shares.granteeId(slot) != grantee.id())
        {
            throw new InvalidCapabilityException("capability 0x" + Long.toHexString(capability) +
                " was offered to domain " + shares.granteeId(slot) + ", not to " + grantee);
        }
        if ((rights & ~shares.rights(slot)) != 0)
        {
            throw new InvalidCapabilityException(grantee + " asked for rights=" + rights +
                " under an offer of rights=" + shares.rights(slot));
        }
        final int frame = shares.frame(slot);
        if (owner[frame] != shares.ownerId(slot))
        {
            throw new InvalidCapabilityException("capability 0x" + Long.toHexString(capability) + ": frame=" + frame +
                " is no longer owned by domain " + shares.ownerId(slot));
        }
        install(grantee, address, frame, rights);
        shares.remove(slot);
        return frame;
    }

    /**
     * The owner takes back an offer not yet used.
     *
     * @param owner      the domain that made it.
     * @param capability from {@link #offerShare}.
     * @return true if the offer was pending and is gone now; false if it was used or never existed.
     * @throws InvalidCapabilityException if it is another domain's offer.
     */
    public synchronized boolean withdrawShare(final Domain owner, final long capability)
    {
        checkLive(owner);
        final int slot = shares.find(capability);
        if (slot < 0)
        {
            return false;
        }
        if (shares.ownerId(slot) != owner.id())
        {
            throw new InvalidCapabilityException(owner + " cannot withdraw an offer made by domain " +
                shares.ownerId(slot));
        }
        shares.remove(slot);
        return true;
    }

    /**
     * @return offers made and neither used nor withdrawn (for leak checks).
     */
    public synchronized int pendingShares()
    {
        return shares.pending();
    }

    private void install(final Domain domain, final long address, final int frame, final int rights)
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
        space.writePte(vpn, frame, rights);
        mapCount[frame]++;
        domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
    }

    /**
     * Removes a mapping. The translation entry for the page is dropped; call {@link #flush} for a full flush.
     *
     * @param domain  the domain.
     * @param address page-aligned mapped address.
     * @return the frame that was mapped.
     */
    public synchronized int unmap(final Domain domain, final long address)
    {
        checkLive(domain);
        final long vpn = checkPage(domain, address);
        final long pte = domain.addressSpace().pte(vpn);
        if ((pte & AddressSpace.PTE_PRESENT) == 0)
        {
            throw new IllegalStateException("domain " + domain + " maps nothing at 0x" + Long.toHexString(address));
        }
        final int frame = (int)(pte >>> AddressSpace.PTE_FRAME_SHIFT);
        domain.addressSpace().clearPte(vpn);
        mapCount[frame]--;
        domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
        return frame;
    }

    /**
     * Changes the rights of an existing mapping (counted as a protection change and a page-table update).
     *
     * @param domain  the domain.
     * @param address page-aligned mapped address.
     * @param rights  {@link Rights#READ} or {@link Rights#READ_WRITE}.
     */
    public synchronized void protect(final Domain domain, final long address, final int rights)
    {
        checkLive(domain);
        Rights.checkRights(rights);
        final long vpn = checkPage(domain, address);
        final long pte = domain.addressSpace().pte(vpn);
        if ((pte & AddressSpace.PTE_PRESENT) == 0)
        {
            throw new IllegalStateException("domain " + domain + " maps nothing at 0x" + Long.toHexString(address));
        }
        domain.addressSpace().writePte(vpn, (int)(pte >>> AddressSpace.PTE_FRAME_SHIFT), rights);
        domain.count(CounterType.PAGE_TABLE_UPDATES, 1);
        domain.count(CounterType.PROTECTION_CHANGES, 1);
    }

    /**
     * Flushes a domain's whole translation cache (counted); the next accesses walk the page table.
     *
     * @param domain the domain.
     */
    public synchronized void flush(final Domain domain)
    {
        domain.addressSpace().flushTlb();
        domain.count(CounterType.TLB_FLUSHES, 1);
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
        if (owner[frame] != domain.id())
        {
            throw new FrameOwnershipException("frame=" + frame + " is owned by " +
                (owner[frame] == NO_OWNER ? "nobody (free)" : "domain " + owner[frame]) + ", not by " + domain);
        }
    }

    private void checkFrame(final int frame)
    {
        if (frame < 0 || frame >= owner.length)
        {
            throw new IllegalArgumentException("frame=" + frame + " outside [0, " + owner.length + ")");
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
            kernelDomain.markDestroyed();
            kernelDomain.addressSpace().forEachMapping((vpn, frame) -> mapCount[frame]--);
            kernelDomain.addressSpace().clearAll();
            for (int frame = 0; frame < owner.length; frame++)
            {
                if (owner[frame] == KERNEL_DOMAIN_ID)
                {
                    owner[frame] = NO_OWNER;
                    memory.freeFrame(frame);
                }
            }
            closed = true;
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
            final PhysicalMemory physical = owns ? PhysicalMemory.allocateDirectMiB(memoryMiB) : memory;
            MachineFile file = null;
            try
            {
                file = machineDirectory == null ? null :
                    MachineFile.create(machineDirectory, maxCounters(maxDomains), heartbeatTimeoutMs);
                return new Kernel(physical, maxPages, maxDomains, owns, file);
            }
            catch (final RuntimeException | Error ex)
            {
                if (file != null)
                {
                    file.close();
                }
                if (owns)
                {
                    physical.close();
                }
                throw ex;
            }
        }
    }
}
