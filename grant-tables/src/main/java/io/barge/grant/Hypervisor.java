package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The kernel's Xen face: grant tables and the hypervisor's grant operations on them (seed 004). A domain reaches
 * another's frame only through a grant the owner wrote into its {@link GrantTable}; the hypervisor reads each entry
 * once, validates it, records the use in its active grant table and pins the frame (so the granter cannot free or
 * reuse it while it is mapped, pinned or being copied).
 * <p>
 * Every operation is counted on the calling domain ({@link GrantCounters#GRANT_MAPS}, {@code GRANT_UNMAPS},
 * {@code GRANT_COPIES}, {@code GRANT_PINS}, {@code GRANT_UNPINS}, {@code GRANT_ERRORS}; page-table updates and
 * copied bytes by the kernel as usual). Single operations throw a {@link GrantException} with a {@link GrantStatus};
 * batches report a status per element. A refused operation changes nothing.
 * <p>
 * A destroyed domain's mappings and pins are released; a destroyed granter's grants accept no new use, and each
 * frame it granted stays allocated until the last mapping or pin of it goes, then returns to the free pool.
 * Operations are serialised on this object (a trap into the hypervisor); lock order hypervisor, grant table, kernel.
 */
public final class Hypervisor implements AutoCloseable
{
    private final Kernel kernel;
    private final int maxTableEntries;
    private final int pageSize;
    private final Int2ObjectHashMap<ActiveGrantTable> tables = new Int2ObjectHashMap<>();
    private final Maptrack maptrack = new Maptrack();
    private final UnsafeBuffer copyView = new UnsafeBuffer(0, 0);
    private final DomainListener listener = this::onDestroy;
    private long lastHandle;

    /**
     * @param kernel          the kernel whose domains and frames the grants name.
     * @param maxTableEntries the largest grant table a domain may set up (Xen's {@code max_grant_frames} in entries).
     */
    public Hypervisor(final Kernel kernel, final int maxTableEntries)
    {
        if (maxTableEntries <= GrantTableDescriptor.FIRST_REF)
        {
            throw new IllegalArgumentException("maxTableEntries=" + maxTableEntries + " must exceed " +
                GrantTableDescriptor.FIRST_REF);
        }
        this.kernel = kernel;
        this.maxTableEntries = maxTableEntries;
        this.pageSize = kernel.memory().frameSize();
        GrantTableDescriptor.entriesPerPage(pageSize);
        kernel.addDomainListener(listener);
    }

    /**
     * @return the largest capacity {@link #setupTable} accepts.
     */
    public int maxTableEntries()
    {
        return maxTableEntries;
    }

    // ---- grant tables ------------------------------------------------------------------------------------------

    /**
     * Sets up a domain's grant table, or grows it (Xen's {@code GNTTABOP_setup_table}): table frames are allocated
     * to the domain, zeroed, mapped read-write in its space and pinned for the table's lifetime. A size no larger
     * than the current one changes nothing.
     *
     * @param domain  the granting domain.
     * @param entries capacity in entries, header slot included, in {@code [2, maxTableEntries]}.
     * @return the domain's grant table.
     */
    public synchronized GrantTable setupTable(final Domain domain, final int entries)
    {
        domain.checkAlive();
        if (entries <= GrantTableDescriptor.FIRST_REF || entries > maxTableEntries)
        {
            throw new IllegalArgumentException("entries=" + entries + " outside [" +
                (GrantTableDescriptor.FIRST_REF + 1) + ", " + maxTableEntries + "]");
        }
        ActiveGrantTable active = tables.get(domain.id());
        if (active == null)
        {
            active = new ActiveGrantTable(domain, new GrantTable(this, domain),
                GrantTableDescriptor.pagesFor(maxTableEntries, pageSize));
        }
        if (entries <= active.capacity())
        {
            return active.table;
        }
        final int oldPages = active.tablePages();
        final long[] addresses = new long[GrantTableDescriptor.pagesFor(entries, pageSize) - oldPages];
        final int[] frames = new int[addresses.length];
        // All or none: out of frames, nothing changes (OutOfFramesException).
        kernel.allocateFrames(domain, frames.length, true, frames);
        for (int i = 0; i < addresses.length; i++)
        {
            final int frame = frames[i];
            kernel.pinFrame(domain, frame);
            addresses[i] = kernel.reserve(domain, 1);
            kernel.map(domain, addresses[i], frame, Rights.READ_WRITE);
            active.addPage(frame);
        }
        active.capacity(entries);
        active.table.addPages(addresses, entries);
        tables.put(domain.id(), active);
        return active.table;
    }

    /**
     * Takes a domain's grant table down once it grants nothing (the guest giving its table frames back when it no
     * longer shares memory, so that a transport's teardown returns every frame): the table frames are unpinned,
     * unmapped and freed. A later {@link #setupTable} starts a new table.
     *
     * @param domain the granting domain.
     * @return whether there was a table to take down.
     * @throws IllegalStateException if a grant of the table is still open or in use.
     */
    public synchronized boolean releaseTable(final Domain domain)
    {
        final ActiveGrantTable active = tables.get(domain.id());
        if (active == null || !active.granterAlive)
        {
            return false;
        }
        final int open = active.table.grantsInUse();
        if (open != 0 || active.activeCount() != 0)
        {
            throw new IllegalStateException("grant table of " + domain + " has grantsInUse=" + open +
                " activeEntries=" + active.activeCount() + ": end every grant before releasing the table");
        }
        tables.remove(domain.id());
        final long[] addresses = active.table.detach();
        for (int page = 0; page < active.tablePages(); page++)
        {
            final int frame = active.tableFrames[page];
            kernel.unpinFrame(frame);
            kernel.unmap(domain, addresses[page]);
            kernel.unreserve(domain, addresses[page], 1);
            kernel.freeFrame(domain, frame);
        }
        return true;
    }

    /**
     * @param domain a domain.
     * @return its grant table's capacity (Xen's {@code GNTTABOP_query_size}), 0 if it has none.
     */
    public synchronized int queryTableSize(final Domain domain)
    {
        final ActiveGrantTable active = tables.get(domain.id());
        return active == null || !active.granterAlive ? 0 : active.capacity();
    }

    // ---- map and unmap -----------------------------------------------------------------------------------------

    /**
     * Maps a granted frame into the caller's address space (Xen's {@code GNTTABOP_map_grant_ref}).
     *
     * @param caller    the grantee.
     * @param granterId the granting domain's id.
     * @param ref       the reference.
     * @param address   page-aligned, unmapped address in the caller's space.
     * @param readOnly  map read-only (a writable map of a read-only grant is refused).
     * @return the handle that unmaps it.
     * @throws GrantException if refused; nothing changed.
     */
    public synchronized long mapGrant(final Domain caller, final int granterId, final int ref, final long address,
        final boolean readOnly)
    {
        final int status = map(caller, granterId, ref, address, readOnly);
        if (status != GrantStatus.OKAY)
        {
            throw new GrantException(status, "map of ref=" + ref + " of domain " + granterId + " by " + caller +
                " at 0x" + Long.toHexString(address) + (readOnly ? " read-only" : " writable"));
        }
        return lastHandle;
    }

    /**
     * Maps every element of a batch; each gets its own status and, if good, its handle.
     *
     * @param caller the grantee.
     * @param batch  the requests.
     * @return how many succeeded.
     */
    public synchronized int mapGrants(final Domain caller, final MapBatch batch)
    {
        int ok = 0;
        for (int i = 0; i < batch.size(); i++)
        {
            final int status = map(caller, batch.granter(i), batch.ref(i), batch.address(i), batch.readOnly(i));
            batch.result(i, status, status == GrantStatus.OKAY ? lastHandle : -1);
            ok += status == GrantStatus.OKAY ? 1 : 0;
        }
        return ok;
    }

    /**
     * Unmaps a grant mapping (Xen's {@code GNTTABOP_unmap_grant_ref}); a second unmap of a handle is refused.
     *
     * @param caller the domain that mapped it.
     * @param handle from {@link #mapGrant} or {@link #mapGrants}.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live mapping of the caller.
     */
    public synchronized void unmapGrant(final Domain caller, final long handle)
    {
        final int status = unmap(caller, handle);
        if (status != GrantStatus.OKAY)
        {
            throw new GrantException(status, "unmap of handle=" + handle + " by " + caller);
        }
    }

    /**
     * Unmaps several handles, a status per element.
     *
     * @param caller   the domain that mapped them.
     * @param handles  the handles.
     * @param count    how many of them.
     * @param statuses receives a {@link GrantStatus} per handle.
     * @return how many succeeded.
     */
    public synchronized int unmapGrants(final Domain caller, final long[] handles, final int count,
        final int[] statuses)
    {
        int ok = 0;
        for (int i = 0; i < count; i++)
        {
            statuses[i] = unmap(caller, handles[i]);
            ok += statuses[i] == GrantStatus.OKAY ? 1 : 0;
        }
        return ok;
    }

    private int map(final Domain caller, final int granterId, final int ref, final long address,
        final boolean readOnly)
    {
        caller.checkAlive();
        final ActiveGrantTable active = tables.get(granterId);
        int status = active == null ? GrantStatus.BAD_DOMAIN : checkAddress(caller, address);
        final boolean write = !readOnly;
        if (status == GrantStatus.OKAY)
        {
            status = active.acquire(caller.id(), ref, write);
        }
        if (status == GrantStatus.OKAY)
        {
            try
            {
                // The grant entry is the granter's consent: the hypervisor makes the offer on its behalf.
                final int rights = write ? Rights.READ_WRITE : Rights.READ;
                kernel.acceptShare(caller, kernel.offerShare(active.granter, active.frame(ref), caller, rights),
                    address, rights);
            }
            catch (final IllegalArgumentException | IllegalStateException ex)
            {
                // The caller mapped the address itself meanwhile, or the granter is dying: undo the acquire.
                active.release(ref, write, false, false);
                status = active.granter.isAlive() ? GrantStatus.BAD_VIRT_ADDR : GrantStatus.BAD_DOMAIN;
            }
        }
        if (status != GrantStatus.OKAY)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            return status;
        }
        active.add(ref, write, false);
        lastHandle = maptrack.allocate(caller.id(), granterId, ref, write ? Maptrack.WRITABLE : 0, address);
        caller.count(GrantCounters.GRANT_MAPS, 1);
        return GrantStatus.OKAY;
    }

    private int unmap(final Domain caller, final long handle)
    {
        final int index = maptrack.lookup(handle, caller.id(), false);
        if (index < 0)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            return GrantStatus.BAD_HANDLE;
        }
        final ActiveGrantTable active = tables.get(maptrack.granter(index));
        final int ref = maptrack.ref(index);
        final long address = maptrack.address(index);
        // The caller may have removed the page itself (Kernel.unmap): then there is no entry left to remove.
        if (caller.isAlive() && caller.addressSpace().frameAt(address) == active.frame(ref))
        {
            kernel.unmap(caller, address);
        }
        active.release(ref, maptrack.writable(index), false, true);
        maptrack.release(index);
        caller.count(GrantCounters.GRANT_UNMAPS, 1);
        dropIfDone(active);
        return GrantStatus.OKAY;
    }

    // ---- pin and copy ------------------------------------------------------------------------------------------

    /**
     * Pins a granted frame for a device's DMA without mapping it: the frame stays allocated to the granter and the
     * grant in use until {@link #unpinGrant}.
     *
     * @param caller    the grantee (a driver domain).
     * @param granterId the granting domain's id.
     * @param ref       the reference.
     * @param readOnly  whether the device only reads the frame.
     * @return the pin handle; {@link #pinnedFrame} gives the frame for the device.
     * @throws GrantException if refused; nothing changed.
     */
    public synchronized long pinGrant(final Domain caller, final int granterId, final int ref, final boolean readOnly)
    {
        caller.checkAlive();
        final ActiveGrantTable active = tables.get(granterId);
        final int status = active == null ? GrantStatus.BAD_DOMAIN : active.acquire(caller.id(), ref, !readOnly);
        if (status != GrantStatus.OKAY)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            throw new GrantException(status, "pin of ref=" + ref + " of domain " + granterId + " by " + caller);
        }
        active.add(ref, !readOnly, true);
        caller.count(GrantCounters.GRANT_PINS, 1);
        return maptrack.allocate(caller.id(), granterId, ref, Maptrack.PIN | (readOnly ? 0 : Maptrack.WRITABLE), 0);
    }

    /**
     * @param caller the domain that pinned.
     * @param handle from {@link #pinGrant}.
     * @return the pinned frame.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live pin of the caller.
     */
    public synchronized int pinnedFrame(final Domain caller, final long handle)
    {
        final int index = maptrack.lookup(handle, caller.id(), true);
        if (index < 0)
        {
            throw new GrantException(GrantStatus.BAD_HANDLE, "handle=" + handle + " is no pin of " + caller);
        }
        return tables.get(maptrack.granter(index)).frame(maptrack.ref(index));
    }

    /**
     * Drops a pin; a second unpin of a handle is refused.
     *
     * @param caller the domain that pinned.
     * @param handle from {@link #pinGrant}.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live pin of the caller.
     */
    public synchronized void unpinGrant(final Domain caller, final long handle)
    {
        final int index = maptrack.lookup(handle, caller.id(), true);
        if (index < 0)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            throw new GrantException(GrantStatus.BAD_HANDLE, "unpin of handle=" + handle + " by " + caller);
        }
        final ActiveGrantTable active = tables.get(maptrack.granter(index));
        active.release(maptrack.ref(index), maptrack.writable(index), true, true);
        maptrack.release(index);
        caller.count(GrantCounters.GRANT_UNPINS, 1);
        dropIfDone(active);
    }

    /**
     * Copies between a granted frame and the caller's memory without mapping anything (Xen's
     * {@code GNTTABOP_copy}): the grant is validated and held for the copy only. Both ranges stay within one page,
     * so the caller's side is checked and translated once.
     *
     * @param caller      the grantee.
     * @param granterId   the granting domain's id.
     * @param ref         the reference.
     * @param grantOffset byte offset in the granted frame.
     * @param address     address in the caller's space.
     * @param length      bytes, at least 1.
     * @param toGrant     true copies caller memory into the granted frame (needs a writable grant), false copies
     *                    the granted frame into caller memory.
     * @throws GrantException if refused ({@link GrantStatus#BAD_COPY_ARG} for ranges, {@code BAD_VIRT_ADDR} for a
     * caller address without the needed right); nothing changed.
     */
    public synchronized void grantCopy(final Domain caller, final int granterId, final int ref, final int grantOffset,
        final long address, final int length, final boolean toGrant)
    {
        caller.checkAlive();
        final ActiveGrantTable active = tables.get(granterId);
        int status = active == null ? GrantStatus.BAD_DOMAIN : checkCopyArgs(grantOffset, address, length);
        if (status == GrantStatus.OKAY)
        {
            status = active.acquire(caller.id(), ref, toGrant);
        }
        if (status == GrantStatus.OKAY)
        {
            active.add(ref, toGrant, true);
            try
            {
                final int frame = active.frame(ref);
                kernel.wrapFrame(copyView, frame);
                if (toGrant)
                {
                    caller.addressSpace().getBytes(address, copyView, grantOffset, length);
                }
                else
                {
                    caller.addressSpace().putBytes(address, copyView, grantOffset, length);
                }
                caller.count(CounterType.BYTES_COPIED, length);
                caller.count(GrantCounters.GRANT_COPIES, 1);
            }
            catch (final ProtectionFault fault)
            {
                status = GrantStatus.BAD_VIRT_ADDR;
            }
            finally
            {
                copyView.wrap(0, 0);
                active.release(ref, toGrant, true, true);
            }
        }
        if (status != GrantStatus.OKAY)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            throw new GrantException(status, "copy " + (toGrant ? "to" : "from") + " ref=" + ref + " of domain " +
                granterId + " offset=" + grantOffset + " length=" + length + " by " + caller + " at 0x" +
                Long.toHexString(address));
        }
    }

    // ---- observation (tests, reports) --------------------------------------------------------------------------

    /**
     * @return live mappings and pins, all domains.
     */
    public synchronized int liveHandles()
    {
        return maptrack.live();
    }

    synchronized int maps(final int granterId, final int ref, final boolean write)
    {
        final ActiveGrantTable active = tables.get(granterId);
        return active == null || ref >= active.capacity() ? 0 : active.maps(ref, write);
    }

    synchronized int pins(final int granterId, final int ref, final boolean write)
    {
        final ActiveGrantTable active = tables.get(granterId);
        return active == null || ref >= active.capacity() ? 0 : active.pins(ref, write);
    }

    synchronized int tableFrame(final int granterId, final int page)
    {
        return tables.get(granterId).tableFrames[page];
    }

    synchronized int activeGranters()
    {
        return tables.size();
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------------

    private synchronized void onDestroy(final Domain domain)
    {
        final int id = domain.id();
        for (int index = 0; index < maptrack.used(); index++)
        {
            if (maptrack.isLive(index) && maptrack.holder(index) == id)
            {
                // The kernel clears the dead domain's page table after the listeners; only the grant use goes here.
                final ActiveGrantTable active = tables.get(maptrack.granter(index));
                active.release(maptrack.ref(index), maptrack.writable(index), maptrack.pin(index), true);
                maptrack.release(index);
                dropIfDone(active);
            }
        }
        final ActiveGrantTable granted = tables.get(id);
        if (granted != null)
        {
            granted.granterAlive = false;
            for (int page = 0; page < granted.tablePages(); page++)
            {
                // Unpinned now, the table frames are freed with the rest of the domain's frames right after this.
                kernel.unpinFrame(granted.tableFrames[page]);
            }
            dropIfDone(granted);
        }
    }

    private void dropIfDone(final ActiveGrantTable active)
    {
        if (!active.granterAlive && active.activeCount() == 0)
        {
            tables.remove(active.granter.id());
        }
    }

    private int checkAddress(final Domain caller, final long address)
    {
        final long page = address >>> Long.numberOfTrailingZeros(pageSize);
        if (address <= 0 || (address & (pageSize - 1)) != 0 || page >= caller.addressSpace().maxPages() ||
            caller.addressSpace().frameAt(address) != -1)
        {
            return GrantStatus.BAD_VIRT_ADDR;
        }
        return GrantStatus.OKAY;
    }

    private int checkCopyArgs(final int grantOffset, final long address, final int length)
    {
        if (length <= 0 || grantOffset < 0 || grantOffset > pageSize - length ||
            (address & (pageSize - 1)) > pageSize - length)
        {
            return GrantStatus.BAD_COPY_ARG;
        }
        return GrantStatus.OKAY;
    }

    /**
     * Stops watching domain destruction. Grants in use stay as they are.
     */
    @Override
    public void close()
    {
        kernel.removeDomainListener(listener);
    }
}
