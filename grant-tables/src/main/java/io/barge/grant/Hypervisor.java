package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.Function;

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
 * <p>
 * Locking: the state is per domain, as Xen keeps it, so operations of disjoint domain pairs take disjoint locks.
 * Each granter's {@link ActiveGrantTable} is under its own monitor (the granter's grant-table lock); each mapping
 * domain's {@link Maptrack} is under its own (the mapper's lock), which a map, unmap, pin, unpin or copy holds for
 * the whole operation, so that the mapper's destroy, which takes it to release everything, never overlaps one.
 * Domains find their state through two copy-on-write {@link PerDomain} maps, read without a lock. The lock order,
 * every path included (no kernel lock calls back into this class: domain listeners run outside them):
 * <ol>
 * <li>a mapper's {@link Maptrack} (at most one at a time);</li>
 * <li>a granter's {@link ActiveGrantTable} (at most one at a time);</li>
 * <li>that granter's {@link GrantTable} monitor ({@link GrantTable#onIdle}, {@code addPages}, {@code detach});</li>
 * <li>the {@link PerDomain} monitors (only the maptrack tags' monitor, a leaf, is taken under them);</li>
 * <li>the kernel's: its monitor, then a share stripe, then a page-table lock (see {@link Kernel}); the kernel is
 * called under 1 (unmap, page-table reads), 2 (pins, share offer and accept, frame allocation) and 3 (frees).</li>
 * </ol>
 * A grant copy takes just the two domains' locks, mapper's then granter's, and holds the grant as a transient pin
 * while it copies; no global lock.
 */
public final class Hypervisor implements AutoCloseable
{
    private final Kernel kernel;
    private final int maxTableEntries;
    private final int pageSize;
    private final PerDomain<ActiveGrantTable> tables = new PerDomain<>();
    private final PerDomain<Maptrack> maptracks = new PerDomain<>();
    private final Function<Domain, ActiveGrantTable> newTable;
    private final Maptrack.Tags tags = new Maptrack.Tags();
    private final Function<Domain, Maptrack> newMaptrack = domain -> new Maptrack(tags.take());
    private final DomainListener listener = this::onDestroy;

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
        final int maxPages = GrantTableDescriptor.pagesFor(maxTableEntries, pageSize);
        this.newTable = domain -> new ActiveGrantTable(domain, new GrantTable(this, domain), maxPages);
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
    public GrantTable setupTable(final Domain domain, final int entries)
    {
        domain.checkAlive();
        if (entries <= GrantTableDescriptor.FIRST_REF || entries > maxTableEntries)
        {
            throw new IllegalArgumentException("entries=" + entries + " outside [" +
                (GrantTableDescriptor.FIRST_REF + 1) + ", " + maxTableEntries + "]");
        }
        while (true)
        {
            final ActiveGrantTable active = tables.getOrCreate(domain, newTable);
            synchronized (active)
            {
                if (!active.granterAlive)
                {
                    // Released meanwhile (a live domain: look again, a new table replaces it) or its domain died.
                    domain.checkAlive();
                    continue;
                }
                if (entries > active.capacity())
                {
                    active.grow(entries);
                }
                return active.table;
            }
        }
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
    public boolean releaseTable(final Domain domain)
    {
        final ActiveGrantTable active = tables.get(domain.id());
        if (active == null)
        {
            return false;
        }
        synchronized (active)
        {
            if (!active.granterAlive)
            {
                return false;
            }
            final int open = active.table.grantsInUse();
            if (open != 0 || active.activeCount() != 0)
            {
                throw new IllegalStateException("grant table of " + domain + " has grantsInUse=" + open +
                    " activeEntries=" + active.activeCount() + ": end every grant before releasing the table");
            }
            // Under this lock: a map that found the table before the removal sees it gone and is refused.
            active.granterAlive = false;
            tables.remove(domain.id(), active);
            active.freeTablePages(active.table.detach());
            return true;
        }
    }

    /**
     * @param domain a domain.
     * @return its grant table's capacity (Xen's {@code GNTTABOP_query_size}), 0 if it has none.
     */
    public int queryTableSize(final Domain domain)
    {
        final ActiveGrantTable active = tables.get(domain.id());
        if (active == null)
        {
            return 0;
        }
        synchronized (active)
        {
            return active.granterAlive ? active.capacity() : 0;
        }
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
    public long mapGrant(final Domain caller, final int granterId, final int ref, final long address,
        final boolean readOnly)
    {
        final Maptrack track = openMaptrack(caller);
        synchronized (track)
        {
            checkOpen(caller, track);
            final int status = map(caller, track, granterId, ref, address, readOnly);
            if (status != GrantStatus.OKAY)
            {
                throw new GrantException(status, "map of ref=" + ref + " of domain " + granterId + " by " + caller +
                    " at 0x" + Long.toHexString(address) + (readOnly ? " read-only" : " writable"));
            }
            return track.lastHandle;
        }
    }

    /**
     * Maps every element of a batch; each gets its own status and, if good, its handle.
     *
     * @param caller the grantee.
     * @param batch  the requests.
     * @return how many succeeded.
     */
    public int mapGrants(final Domain caller, final MapBatch batch)
    {
        final Maptrack track = openMaptrack(caller);
        synchronized (track)
        {
            checkOpen(caller, track);
            int ok = 0;
            for (int i = 0; i < batch.size(); i++)
            {
                final int status = map(caller, track, batch.granter(i), batch.ref(i), batch.address(i),
                    batch.readOnly(i));
                batch.result(i, status, status == GrantStatus.OKAY ? track.lastHandle : -1);
                ok += status == GrantStatus.OKAY ? 1 : 0;
            }
            return ok;
        }
    }

    /**
     * Unmaps a grant mapping (Xen's {@code GNTTABOP_unmap_grant_ref}); a second unmap of a handle is refused.
     *
     * @param caller the domain that mapped it.
     * @param handle from {@link #mapGrant} or {@link #mapGrants}.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live mapping of the caller.
     */
    public void unmapGrant(final Domain caller, final long handle)
    {
        final int status = unmapOne(caller, handle);
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
    public int unmapGrants(final Domain caller, final long[] handles, final int count, final int[] statuses)
    {
        final Maptrack track = maptracks.get(caller.id());
        int ok = 0;
        for (int i = 0; i < count; i++)
        {
            statuses[i] = track == null ? badHandle(caller) : unmap(caller, track, handles[i]);
            ok += statuses[i] == GrantStatus.OKAY ? 1 : 0;
        }
        return ok;
    }

    private int unmapOne(final Domain caller, final long handle)
    {
        final Maptrack track = maptracks.get(caller.id());
        return track == null ? badHandle(caller) : unmap(caller, track, handle);
    }

    private int map(final Domain caller, final Maptrack track, final int granterId, final int ref,
        final long address, final boolean readOnly)
    {
        final ActiveGrantTable active = tables.get(granterId);
        int status = active == null ? GrantStatus.BAD_DOMAIN : checkAddress(caller, address);
        status = status == GrantStatus.OKAY && !track.hasRoom() ? GrantStatus.NO_SPACE : status;
        final boolean write = !readOnly;
        int frame = -1;
        if (status == GrantStatus.OKAY)
        {
            synchronized (active)
            {
                status = active.acquire(caller.id(), ref, write);
                if (status == GrantStatus.OKAY)
                {
                    frame = active.frame(ref);
                    status = share(caller, active, frame, address, write);
                }
                if (status == GrantStatus.OKAY)
                {
                    active.add(ref, write, false);
                }
                else if (frame != -1)
                {
                    active.release(ref, write, false, false);
                }
            }
        }
        if (status != GrantStatus.OKAY)
        {
            caller.count(GrantCounters.GRANT_ERRORS, 1);
            return status;
        }
        // Still under the mapper's lock: its destroy, which releases every record, cannot run before this one exists.
        track.lastHandle = track.allocate(active, ref, frame, write ? Maptrack.WRITABLE : 0, address);
        caller.count(GrantCounters.GRANT_MAPS, 1);
        return GrantStatus.OKAY;
    }

    /** Maps an acquired grant's frame in the caller, on the granter's consent (its grant entry). */
    private int share(final Domain caller, final ActiveGrantTable active, final int frame, final long address,
        final boolean write)
    {
        try
        {
            final int rights = write ? Rights.READ_WRITE : Rights.READ;
            kernel.acceptShare(caller, kernel.offerShare(active.granter, frame, caller, rights), address, rights);
            return GrantStatus.OKAY;
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            // The caller mapped the address itself meanwhile, or a domain is dying: the caller undoes the acquire.
            return active.granter.isAlive() ? GrantStatus.BAD_VIRT_ADDR : GrantStatus.BAD_DOMAIN;
        }
    }

    private int unmap(final Domain caller, final Maptrack track, final long handle)
    {
        synchronized (track)
        {
            final int index = track.lookup(handle, false);
            if (index < 0)
            {
                return badHandle(caller);
            }
            final long address = track.address(index);
            // The caller may have removed the page itself (Kernel.unmap): then there is no entry left to remove.
            if (caller.isAlive() && caller.addressSpace().frameAt(address) == track.frame(index))
            {
                unmapPage(caller, address);
            }
            endUse(track, index);
            caller.count(GrantCounters.GRANT_UNMAPS, 1);
            return GrantStatus.OKAY;
        }
    }

    private void unmapPage(final Domain caller, final long address)
    {
        try
        {
            kernel.unmap(caller, address);
        }
        catch (final IllegalStateException ex)
        {
            // Marked dead since the check: the kernel clears its page table after the destroy's listeners.
            if (caller.isAlive())
            {
                throw ex;
            }
        }
    }

    /** Under the mapper's lock: ends the use a record holds and frees the record. */
    private void endUse(final Maptrack track, final int index)
    {
        final ActiveGrantTable active = track.table(index);
        synchronized (active)
        {
            active.release(track.ref(index), track.writable(index), track.pin(index), true);
            dropIfDone(active);
        }
        track.release(index);
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
    public long pinGrant(final Domain caller, final int granterId, final int ref, final boolean readOnly)
    {
        final Maptrack track = openMaptrack(caller);
        synchronized (track)
        {
            checkOpen(caller, track);
            final ActiveGrantTable active = tables.get(granterId);
            int status = active == null ? GrantStatus.BAD_DOMAIN :
                track.hasRoom() ? GrantStatus.OKAY : GrantStatus.NO_SPACE;
            int frame = -1;
            if (status == GrantStatus.OKAY)
            {
                synchronized (active)
                {
                    status = active.acquire(caller.id(), ref, !readOnly);
                    if (status == GrantStatus.OKAY)
                    {
                        active.add(ref, !readOnly, true);
                        frame = active.frame(ref);
                    }
                }
            }
            if (status != GrantStatus.OKAY)
            {
                caller.count(GrantCounters.GRANT_ERRORS, 1);
                throw new GrantException(status, "pin of ref=" + ref + " of domain " + granterId + " by " + caller);
            }
            caller.count(GrantCounters.GRANT_PINS, 1);
            return track.allocate(active, ref, frame, Maptrack.PIN | (readOnly ? 0 : Maptrack.WRITABLE), 0);
        }
    }

    /**
     * @param caller the domain that pinned.
     * @param handle from {@link #pinGrant}.
     * @return the pinned frame.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live pin of the caller.
     */
    public int pinnedFrame(final Domain caller, final long handle)
    {
        final Maptrack track = maptracks.get(caller.id());
        if (track != null)
        {
            synchronized (track)
            {
                final int index = track.lookup(handle, true);
                if (index >= 0)
                {
                    return track.frame(index);
                }
            }
        }
        throw new GrantException(GrantStatus.BAD_HANDLE, "handle=" + handle + " is no pin of " + caller);
    }

    /**
     * Drops a pin; a second unpin of a handle is refused.
     *
     * @param caller the domain that pinned.
     * @param handle from {@link #pinGrant}.
     * @throws GrantException with {@link GrantStatus#BAD_HANDLE} if the handle is not a live pin of the caller.
     */
    public void unpinGrant(final Domain caller, final long handle)
    {
        final Maptrack track = maptracks.get(caller.id());
        if (track != null)
        {
            synchronized (track)
            {
                final int index = track.lookup(handle, true);
                if (index >= 0)
                {
                    endUse(track, index);
                    caller.count(GrantCounters.GRANT_UNPINS, 1);
                    return;
                }
            }
        }
        badHandle(caller);
        throw new GrantException(GrantStatus.BAD_HANDLE, "unpin of handle=" + handle + " by " + caller);
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
    public void grantCopy(final Domain caller, final int granterId, final int ref, final int grantOffset,
        final long address, final int length, final boolean toGrant)
    {
        final Maptrack track = openMaptrack(caller);
        synchronized (track)
        {
            checkOpen(caller, track);
            final ActiveGrantTable active = tables.get(granterId);
            int status = active == null ? GrantStatus.BAD_DOMAIN : checkCopyArgs(grantOffset, address, length);
            if (status == GrantStatus.OKAY)
            {
                status = copy(caller, track, active, ref, grantOffset, address, length, toGrant);
            }
            if (status != GrantStatus.OKAY)
            {
                caller.count(GrantCounters.GRANT_ERRORS, 1);
                throw new GrantException(status, "copy " + (toGrant ? "to" : "from") + " ref=" + ref +
                    " of domain " + granterId + " offset=" + grantOffset + " length=" + length + " by " + caller +
                    " at 0x" + Long.toHexString(address));
            }
        }
    }

    /**
     * Under the mapper's lock: holds the grant as a transient pin and copies under the granter's lock too (the two
     * domains' locks in the fixed order, so only this pair's operations wait for it), then lets the grant go.
     */
    private int copy(final Domain caller, final Maptrack track, final ActiveGrantTable active, final int ref,
        final int grantOffset, final long address, final int length, final boolean toGrant)
    {
        synchronized (active)
        {
            int status = active.acquire(caller.id(), ref, toGrant);
            if (status != GrantStatus.OKAY)
            {
                return status;
            }
            active.add(ref, toGrant, true);
            // The pin keeps the frame the granter's and allocated, the in-use bits keep the grant from ending; the
            // mapper's lock keeps its destroy (and so the teardown of its own pages) until the copy is done.
            final UnsafeBuffer view = track.copyView;
            try
            {
                kernel.wrapFrame(view, active.frame(ref));
                if (toGrant)
                {
                    caller.addressSpace().getBytes(address, view, grantOffset, length);
                }
                else
                {
                    caller.addressSpace().putBytes(address, view, grantOffset, length);
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
                view.wrap(0, 0);
                active.release(ref, toGrant, true, true);
                dropIfDone(active);
            }
            return status;
        }
    }

    // ---- observation (tests, reports) --------------------------------------------------------------------------

    /**
     * @return live mappings and pins, all domains.
     */
    public int liveHandles()
    {
        int live = 0;
        for (final Maptrack track : maptracks.snapshot().values())
        {
            synchronized (track)
            {
                live += track.live();
            }
        }
        return live;
    }

    int maps(final int granterId, final int ref, final boolean write)
    {
        return uses(granterId, ref, write, false);
    }

    int pins(final int granterId, final int ref, final boolean write)
    {
        return uses(granterId, ref, write, true);
    }

    private int uses(final int granterId, final int ref, final boolean write, final boolean pin)
    {
        final ActiveGrantTable active = tables.get(granterId);
        if (active == null)
        {
            return 0;
        }
        synchronized (active)
        {
            return ref >= active.capacity() ? 0 : pin ? active.pins(ref, write) : active.maps(ref, write);
        }
    }

    int tableFrame(final int granterId, final int page)
    {
        final ActiveGrantTable active = tables.get(granterId);
        synchronized (active)
        {
            return active.tableFrames[page];
        }
    }

    int activeGranters()
    {
        return tables.snapshot().size();
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------------

    private void onDestroy(final Domain domain)
    {
        final int id = domain.id();
        // The domain is marked dead already: no new maptrack of it appears after this removal (see PerDomain).
        final Maptrack track = maptracks.remove(id);
        if (track != null)
        {
            synchronized (track)
            {
                track.close();
                for (int index = 0; index < track.used(); index++)
                {
                    if (track.isLive(index))
                    {
                        // The kernel clears the dead domain's page table after the listeners; only the use goes here.
                        endUse(track, index);
                    }
                }
            }
            tags.give(track.tag);
        }
        final ActiveGrantTable granted = tables.getOrdered(id);
        if (granted != null)
        {
            synchronized (granted)
            {
                if (granted.granterAlive)
                {
                    granted.granterAlive = false;
                    // Unpinned now, the table frames are freed with the rest of the domain's frames after this.
                    granted.unpinTablePages();
                }
                dropIfDone(granted);
            }
        }
    }

    /** Under the granter's lock: a dead granter's table goes with its last use. */
    private void dropIfDone(final ActiveGrantTable active)
    {
        if (!active.granterAlive && active.activeCount() == 0)
        {
            tables.remove(active.granter.id(), active);
        }
    }

    private Maptrack openMaptrack(final Domain caller)
    {
        final Maptrack track = maptracks.get(caller.id());
        return track != null ? track : maptracks.getOrCreate(caller, newMaptrack);
    }

    /** Under the mapper's lock: a maptrack closed by its domain's destroy takes nothing new. */
    private static void checkOpen(final Domain caller, final Maptrack track)
    {
        caller.checkAlive();
        if (track.isClosed())
        {
            throw new IllegalStateException("domain " + caller + " has been destroyed");
        }
    }

    private static int badHandle(final Domain caller)
    {
        caller.count(GrantCounters.GRANT_ERRORS, 1);
        return GrantStatus.BAD_HANDLE;
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
