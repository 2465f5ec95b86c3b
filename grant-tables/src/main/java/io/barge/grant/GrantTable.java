package io.barge.grant;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * A granting domain's side of its grant table ({@link GrantTableDescriptor}): the table lives in frames the domain
 * owns and maps; this object is the granter's code that fills entries and ends them. Created and grown by the
 * {@link Hypervisor} ({@link Hypervisor#setupTable}); the hypervisor pins the table's frames while the table lives.
 * <p>
 * Bookkeeping that the granter trusts (which references it granted, to whom, which frame) is kept here, privately;
 * the shared entries are only what the hypervisor reads. Methods are serialised on this object.
 */
public final class GrantTable
{
    private static final byte FREE = 0;
    private static final byte GRANTED = 1;
    private static final byte DEFERRED = 2;

    private final Hypervisor hypervisor;
    private final Kernel kernel;
    private final Domain granter;
    private final int pageSize;
    private UnsafeBuffer[] pages = new UnsafeBuffer[0];
    private long[] addresses = new long[0];
    private byte[] state = new byte[0];
    private int[] frameOf = new int[0];
    private int[] freeRefs = new int[0];
    private int freeCount;
    private int capacity;
    /**
     * Deferred ends pending: written under the monitor, volatile so that {@link #onIdle} can skip the monitor when
     * there is none (the Dekker pairing in {@link #endAccessDeferred}).
     */
    private volatile int deferred;

    GrantTable(final Hypervisor hypervisor, final Domain granter)
    {
        this.hypervisor = hypervisor;
        this.kernel = granter.kernel();
        this.granter = granter;
        this.pageSize = kernel.memory().frameSize();
    }

    /**
     * @return the granting domain.
     */
    public Domain granter()
    {
        return granter;
    }

    /**
     * @return entries in the table, header slot included (references are {@code [1, capacity)}).
     */
    public synchronized int capacity()
    {
        return capacity;
    }

    /**
     * @return references currently granted (including deferred ends not yet complete).
     */
    public synchronized int grantsInUse()
    {
        return capacity - GrantTableDescriptor.FIRST_REF - freeCount;
    }

    /**
     * @return deferred ends waiting for the grantee's last unmap or unpin.
     */
    public synchronized int deferredEnds()
    {
        return deferred;
    }

    /**
     * Grows the table (Xen's {@code setup_table} with a larger size); existing grants are unaffected.
     *
     * @param entries the new capacity, at most {@link Hypervisor#maxTableEntries()}.
     */
    public void grow(final int entries)
    {
        hypervisor.setupTable(granter, entries);
    }

    /**
     * Grants a domain access to a frame this domain owns (the grant protocol of {@link GrantTableDescriptor}).
     *
     * @param grantee  the domain that may map, pin or copy the frame.
     * @param frame    a frame the granter owns.
     * @param readOnly whether the grantee may only read it.
     * @return the grant reference to pass to the grantee.
     * @throws IllegalStateException    if the table is full ({@link #grow} it) or the granter is dead.
     * @throws IllegalArgumentException if the frame is not the granter's.
     */
    public synchronized int grantAccess(final Domain grantee, final int frame, final boolean readOnly)
    {
        granter.checkAlive();
        if (kernel.ownerOf(frame) != granter.id())
        {
            throw new IllegalArgumentException("frame=" + frame + " is owned by domain " + kernel.ownerOf(frame) +
                ", not by granter " + granter);
        }
        if (freeCount == 0)
        {
            throw new IllegalStateException("grant table of " + granter + " is full (capacity=" + capacity + ")");
        }
        // Only a deferred end gives a frame up; without one there is nothing to search for.
        final int givenUp = deferred == 0 ? 0 : otherGrantOf(frame, 0, DEFERRED);
        if (givenUp != 0)
        {
            throw new IllegalArgumentException("frame=" + frame + " was given up by the deferred end of ref=" + givenUp);
        }
        final int ref = freeRefs[--freeCount];
        state[ref] = GRANTED;
        frameOf[ref] = frame;
        final UnsafeBuffer page = pages[GrantTableDescriptor.pageOf(ref, pageSize)];
        final int entry = GrantTableDescriptor.entryOffset(ref, pageSize);
        GrantTableDescriptor.statusPlain(page, entry, GrantTableDescriptor.statusWord(0, grantee.id()));
        GrantTableDescriptor.frame(page, entry, frame);
        final int flags = GrantTableDescriptor.PERMIT_ACCESS | (readOnly ? GrantTableDescriptor.READ_ONLY : 0);
        // Release: a hypervisor that reads the permit bit (acquire) sees the domain and frame written above.
        GrantTableDescriptor.statusRelease(page, entry, GrantTableDescriptor.statusWord(flags, grantee.id()));
        return ref;
    }

    /**
     * Ends a grant unless the grantee is using it (the revoke protocol of {@link GrantTableDescriptor}). The frame
     * stays the granter's.
     *
     * @param ref a reference this table granted.
     * @return {@link EndAccessResult#ENDED}, or {@link EndAccessResult#IN_USE} while it is mapped, pinned or being
     * copied (nothing changed then).
     * @throws IllegalArgumentException if the reference is not granted (or its end is already deferred).
     */
    public synchronized EndAccessResult endAccess(final int ref)
    {
        checkGranted(ref);
        if (!tryEnd(ref))
        {
            return EndAccessResult.IN_USE;
        }
        free(ref);
        return EndAccessResult.ENDED;
    }

    /**
     * Ends a grant and frees its frame, now if the grantee does not use it, otherwise after its last unmap or unpin
     * (as Linux's {@code gnttab_end_foreign_access}); the frame is never freed, so never reused, before that. The
     * caller gives the frame up: it must not use it again, so it must hold no other grant of this table.
     *
     * @param ref a reference this table granted.
     * @return {@link EndAccessResult#ENDED} (frame freed) or {@link EndAccessResult#DEFERRED}.
     * @throws IllegalArgumentException if the reference is not granted (or its end is already deferred), or its frame
     * is granted under another reference too (end that one first).
     */
    public synchronized EndAccessResult endAccessDeferred(final int ref)
    {
        checkGranted(ref);
        final int other = otherGrantOf(frameOf[ref], ref, (byte)-1);
        if (other != 0)
        {
            throw new IllegalArgumentException("frame=" + frameOf[ref] + " of ref=" + ref + " is also granted as ref=" +
                other + "; a deferred end gives the frame up, so end that grant first");
        }
        state[ref] = DEFERRED;
        deferred++;
        // Volatile store, then read the status word: pairs with the hypervisor's release, which clears the in-use
        // bits (CAS) and then reads this count in onIdle. A last use that cleared its bits before the count was
        // visible skipped onIdle's monitor, so its end is seen here; one that clears them later sees the count and
        // completes the end under this monitor.
        if (tryEnd(ref))
        {
            deferred--;
            final int frame = frameOf[ref];
            free(ref);
            kernel.freeFrame(granter, frame);
            return EndAccessResult.ENDED;
        }
        return EndAccessResult.DEFERRED;
    }

    /**
     * The hypervisor's word that the grantee's last use of {@code ref} has gone (its bits cleared): a deferred end
     * completes now. Called with the granter's {@link ActiveGrantTable} locked (lock order: see {@link Hypervisor}).
     */
    void onIdle(final int ref)
    {
        // After the caller's compare-and-set that cleared the bits: no deferred end pending is the common case, and
        // an end deferred from now on sees the cleared bits itself (endAccessDeferred's second look).
        if (deferred != 0)
        {
            completeDeferred(ref);
        }
    }

    private synchronized void completeDeferred(final int ref)
    {
        if (ref < capacity && state[ref] == DEFERRED && granter.isAlive() && tryEnd(ref))
        {
            final int frame = frameOf[ref];
            deferred--;
            free(ref);
            try
            {
                kernel.freeFrame(granter, frame);
            }
            catch (final IllegalStateException ex)
            {
                // The granter freed the frame it had given up itself: its own loss; the hypervisor goes on.
            }
        }
    }

    /** @return another non-free reference (in {@code onlyState}, or any if negative) granting {@code frame}, or 0. */
    private int otherGrantOf(final int frame, final int except, final byte onlyState)
    {
        for (int r = GrantTableDescriptor.FIRST_REF; r < capacity; r++)
        {
            if (r != except && state[r] != FREE && frameOf[r] == frame && (onlyState < 0 || state[r] == onlyState))
            {
                return r;
            }
        }
        return 0;
    }

    /**
     * Adds table pages (called by the hypervisor, which allocated, mapped and pinned them).
     *
     * @param addresses   where the new pages are mapped in the granter, in table order.
     * @param newCapacity the capacity with them.
     */
    synchronized void addPages(final long[] addresses, final int newCapacity)
    {
        final int oldPages = pages.length;
        pages = Arrays.copyOf(pages, oldPages + addresses.length);
        this.addresses = Arrays.copyOf(this.addresses, oldPages + addresses.length);
        System.arraycopy(addresses, 0, this.addresses, oldPages, addresses.length);
        for (int i = 0; i < addresses.length; i++)
        {
            final UnsafeBuffer view = new UnsafeBuffer(0, 0);
            granter.addressSpace().wrapView(view, addresses[i], pageSize, Access.WRITE);
            pages[oldPages + i] = view;
        }
        final int first = Math.max(capacity, GrantTableDescriptor.FIRST_REF);
        state = Arrays.copyOf(state, newCapacity);
        frameOf = Arrays.copyOf(frameOf, newCapacity);
        freeRefs = Arrays.copyOf(freeRefs, newCapacity);
        // Highest first so that the stack hands out low references first.
        for (int ref = newCapacity - 1; ref >= first; ref--)
        {
            freeRefs[freeCount++] = ref;
        }
        capacity = newCapacity;
    }

    /**
     * Takes the table down (called by the hypervisor's {@link Hypervisor#releaseTable}): every later grant is
     * refused as if the table were full.
     *
     * @return where the table's pages are mapped in the granter, in table order.
     */
    synchronized long[] detach()
    {
        final long[] mapped = addresses;
        pages = new UnsafeBuffer[0];
        addresses = new long[0];
        state = new byte[0];
        frameOf = new int[0];
        freeRefs = new int[0];
        freeCount = 0;
        capacity = 0;
        return mapped;
    }

    private boolean tryEnd(final int ref)
    {
        final UnsafeBuffer page = pages[GrantTableDescriptor.pageOf(ref, pageSize)];
        final int entry = GrantTableDescriptor.entryOffset(ref, pageSize);
        while (true)
        {
            final long status = GrantTableDescriptor.statusVolatile(page, entry);
            if ((GrantTableDescriptor.flags(status) & GrantTableDescriptor.IN_USE_MASK) != 0)
            {
                return false;
            }
            // Fails if the hypervisor set READING/WRITING since the read: then look again.
            if (GrantTableDescriptor.compareAndSetStatus(page, entry, status, 0L))
            {
                return true;
            }
        }
    }

    private void free(final int ref)
    {
        state[ref] = FREE;
        frameOf[ref] = 0;
        freeRefs[freeCount++] = ref;
    }

    private void checkGranted(final int ref)
    {
        granter.checkAlive();
        if (ref < GrantTableDescriptor.FIRST_REF || ref >= capacity || state[ref] != GRANTED)
        {
            throw new IllegalArgumentException("ref=" + ref + " is not an open grant of " + granter + " (capacity=" +
                capacity + ")");
        }
    }
}
