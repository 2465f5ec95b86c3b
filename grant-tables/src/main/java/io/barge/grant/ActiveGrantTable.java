package io.barge.grant;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The hypervisor's private record of one granter's grants in use (Xen's active grant table): per reference, read
 * and write map and pin counts, the frame (copied once from the shared entry when the grant became active, then
 * trusted over anything the granter writes later), and the domain using it. Also the hypervisor's own views of the
 * granter's table pages and its own copy of the capacity. Guarded by its own monitor, the granter's grant-table lock
 * in the {@link Hypervisor}'s lock order (after a mapper's {@link Maptrack}, before the {@link GrantTable}'s).
 */
final class ActiveGrantTable
{
    /** How often an acquire re-reads an entry a granter keeps changing before giving up, as Xen's retry loop. */
    private static final int ACQUIRE_RETRIES = 4;

    final Domain granter;
    final GrantTable table;
    final int[] tableFrames;
    private final Kernel kernel;
    private final int pageSize;
    private UnsafeBuffer[] pages;
    private int capacity;
    private int tablePages;
    private int[] readMaps = new int[0];
    private int[] writeMaps = new int[0];
    private int[] readPins = new int[0];
    private int[] writePins = new int[0];
    private int[] frame = new int[0];
    private int[] user = new int[0];
    private int activeCount;
    /** False once the granter died: its table frames are gone, only the active entries remain until released. */
    boolean granterAlive = true;

    ActiveGrantTable(final Domain granter, final GrantTable table, final int maxPages)
    {
        this.granter = granter;
        this.table = table;
        this.kernel = granter.kernel();
        this.pageSize = kernel.memory().frameSize();
        this.tableFrames = new int[maxPages];
        this.pages = new UnsafeBuffer[maxPages];
    }

    int capacity()
    {
        return capacity;
    }

    int activeCount()
    {
        return activeCount;
    }

    /**
     * Grows the granter's table to {@code entries}: new table frames allocated to the granter, zeroed, pinned and
     * mapped read-write in its space, then the granter's {@link GrantTable} told.
     */
    void grow(final int entries)
    {
        final long[] addresses = new long[GrantTableDescriptor.pagesFor(entries, pageSize) - tablePages];
        final int[] frames = new int[addresses.length];
        // All or none: out of frames, nothing changes (OutOfFramesException).
        kernel.allocateFrames(granter, frames.length, true, frames);
        for (int i = 0; i < addresses.length; i++)
        {
            final int tableFrame = frames[i];
            kernel.pinFrame(granter, tableFrame);
            addresses[i] = kernel.reserve(granter, 1);
            kernel.map(granter, addresses[i], tableFrame, Rights.READ_WRITE);
            tableFrames[tablePages] = tableFrame;
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            kernel.wrapFrame(view, tableFrame);
            pages[tablePages++] = view;
        }
        capacity(entries);
        table.addPages(addresses, entries);
    }

    /** Unpins, unmaps and frees the table frames of a live granter's table taken down ({@code addresses}: where). */
    void freeTablePages(final long[] addresses)
    {
        for (int page = 0; page < tablePages; page++)
        {
            kernel.unpinFrame(tableFrames[page]);
            kernel.unmap(granter, addresses[page]);
            kernel.unreserve(granter, addresses[page], 1);
            kernel.freeFrame(granter, tableFrames[page]);
        }
    }

    /** Unpins the table frames of a dead granter, which the kernel then frees with the rest of its frames. */
    void unpinTablePages()
    {
        for (int page = 0; page < tablePages; page++)
        {
            kernel.unpinFrame(tableFrames[page]);
        }
    }

    private void capacity(final int newCapacity)
    {
        readMaps = Arrays.copyOf(readMaps, newCapacity);
        writeMaps = Arrays.copyOf(writeMaps, newCapacity);
        readPins = Arrays.copyOf(readPins, newCapacity);
        writePins = Arrays.copyOf(writePins, newCapacity);
        frame = Arrays.copyOf(frame, newCapacity);
        user = Arrays.copyOf(user, newCapacity);
        GrantTableDescriptor.writeHeader(pages[0], newCapacity);
        capacity = newCapacity;
    }

    boolean isActive(final int ref)
    {
        return readMaps[ref] + writeMaps[ref] + readPins[ref] + writePins[ref] > 0;
    }

    int reads(final int ref)
    {
        return readMaps[ref] + readPins[ref];
    }

    int writes(final int ref)
    {
        return writeMaps[ref] + writePins[ref];
    }

    int maps(final int ref, final boolean write)
    {
        return write ? writeMaps[ref] : readMaps[ref];
    }

    int pins(final int ref, final boolean write)
    {
        return write ? writePins[ref] : readPins[ref];
    }

    int frame(final int ref)
    {
        return frame[ref];
    }

    /**
     * Validates a use of {@code ref} by {@code callerId} and marks it in use (the acquire protocol of
     * {@link GrantTableDescriptor}); on success the caller must {@link #add} the use. Nothing changes on failure.
     *
     * @return a {@link GrantStatus}.
     */
    int acquire(final int callerId, final int ref, final boolean write)
    {
        if (!granterAlive)
        {
            return GrantStatus.BAD_DOMAIN;
        }
        if (ref < GrantTableDescriptor.FIRST_REF || ref >= capacity)
        {
            return GrantStatus.BAD_GNTREF;
        }
        final UnsafeBuffer page = pages[GrantTableDescriptor.pageOf(ref, pageSize)];
        final int entry = GrantTableDescriptor.entryOffset(ref, pageSize);
        final boolean active = isActive(ref);
        for (int attempt = 0; attempt < ACQUIRE_RETRIES; attempt++)
        {
            // Acquire: pairs with the granter's release of the permit bit (the frame is read only after the CAS).
            final long status = GrantTableDescriptor.statusVolatile(page, entry);
            final int flags = GrantTableDescriptor.flags(status);
            if ((flags & GrantTableDescriptor.PERMIT_ACCESS) == 0)
            {
                return GrantStatus.BAD_GNTREF;
            }
            if (GrantTableDescriptor.domain(status) != callerId || (active && user[ref] != callerId))
            {
                return GrantStatus.PERMISSION_DENIED;
            }
            if (write && (flags & GrantTableDescriptor.READ_ONLY) != 0)
            {
                return GrantStatus.PERMISSION_DENIED;
            }
            final int bits = GrantTableDescriptor.READING | (write ? GrantTableDescriptor.WRITING : 0);
            final long update = GrantTableDescriptor.statusWord(flags | bits, callerId);
            if (update == status || GrantTableDescriptor.compareAndSetStatus(page, entry, status, update))
            {
                // Only now read a new grant's frame, as Xen does after its flags: read before the compare-and-set it
                // could be the frame of a grant ended and issued again (same status word) meanwhile. An active grant
                // keeps the frame it was first validated with.
                final int grantedFrame = active ? frame[ref] : GrantTableDescriptor.frame(page, entry);
                // Pin only once the grant is marked in use, as Xen takes its page reference after the flags: a pin
                // held across a failed compare-and-set would make the granter's ended, given-up frame unfreeable.
                if (!active && !pin(grantedFrame))
                {
                    undoAcquire(ref);
                    return GrantStatus.BAD_PAGE;
                }
                if (!active)
                {
                    frame[ref] = grantedFrame;
                    user[ref] = callerId;
                    activeCount++;
                }
                return GrantStatus.OKAY;
            }
            // The granter changed the entry between our read and the compare-and-set: read it again.
        }
        return GrantStatus.GENERAL_ERROR;
    }

    /**
     * Takes back the in-use bits of a new use whose frame could not be pinned (not the granter's): no use was ever
     * counted, and an end the granter tried meanwhile (refused or deferred on those bits) may complete now.
     */
    private void undoAcquire(final int ref)
    {
        clearBits(ref, GrantTableDescriptor.IN_USE_MASK);
        table.onIdle(ref);
    }

    /**
     * Records a use acquired with {@link #acquire}.
     */
    void add(final int ref, final boolean write, final boolean pin)
    {
        if (pin)
        {
            if (write)
            {
                writePins[ref]++;
            }
            else
            {
                readPins[ref]++;
            }
        }
        else if (write)
        {
            writeMaps[ref]++;
        }
        else
        {
            readMaps[ref]++;
        }
    }

    /**
     * Ends one use (or undoes an {@link #acquire} that was not {@link #add}ed, with {@code counted} false): with the
     * last use unpins the frame, then clears {@code WRITING} when the last writable use ends and {@code READING} with
     * the last use, and tells the granter's table, which may complete a deferred end.
     */
    void release(final int ref, final boolean write, final boolean pin, final boolean counted)
    {
        if (counted)
        {
            final int[] counts = pin ? (write ? writePins : readPins) : (write ? writeMaps : readMaps);
            if (counts[ref] <= 0)
            {
                throw new IllegalStateException("ref=" + ref + " of " + granter + " has no such use to release");
            }
            counts[ref]--;
        }
        final boolean idle = !isActive(ref);
        if (idle)
        {
            // Unpin before clearing READING, as Xen drops its page reference before the flags: once the bit is
            // clear the granter's end can win and free the frame, which must then no longer be pinned.
            final int f = frame[ref];
            frame[ref] = 0;
            user[ref] = 0;
            activeCount--;
            kernel.unpinFrame(f);
        }
        final int clear = (idle ? GrantTableDescriptor.READING : 0) |
            (writes(ref) == 0 ? GrantTableDescriptor.WRITING : 0);
        if (granterAlive && clear != 0)
        {
            clearBits(ref, clear);
        }
        if (idle && granterAlive)
        {
            table.onIdle(ref);
        }
    }

    private void clearBits(final int ref, final int bits)
    {
        final UnsafeBuffer page = pages[GrantTableDescriptor.pageOf(ref, pageSize)];
        final int entry = GrantTableDescriptor.entryOffset(ref, pageSize);
        final long mask = ~(bits & 0xFFFF_FFFFL);
        while (true)
        {
            final long status = GrantTableDescriptor.statusVolatile(page, entry);
            // Whatever the granter wrote, only our bits go: release, so the granter's end sees our last use finished.
            if (GrantTableDescriptor.compareAndSetStatus(page, entry, status, status & mask))
            {
                return;
            }
        }
    }

    /** Pins a frame the granter must own: the pin both checks the ownership and keeps the frame from being freed. */
    private boolean pin(final int f)
    {
        if (f < 0 || f >= kernel.memory().frameCount())
        {
            return false;
        }
        try
        {
            kernel.pinFrame(granter, f);
            return true;
        }
        catch (final IllegalStateException ex) // FrameOwnershipException, or a granter dying
        {
            return false;
        }
    }
}
