package io.barge.grant;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * One mapping domain's table of its live grant mappings and pins (Xen's maptrack, which Xen too keeps per domain):
 * one record per handle, naming the granter's active table and reference, the frame validated when the use began,
 * whether it is writable or a pin, and the mapped address. A handle carries a generation so that a handle used
 * twice (a second unmap) is recognised even after its slot was reused, and the maptrack's tag, distinct among live
 * maptracks, so that one domain's handle presented by another names nothing of the other's. A handle:
 * <pre>
 *   bit 63: 0 | bits 47..62: tag | bits 20..46: generation | bits 0..19: index
 * </pre>
 * <p>
 * Guarded by its own monitor, the mapper's lock in the {@link Hypervisor}'s lock order (taken before any granter's
 * {@link ActiveGrantTable}). It also holds the mapper's scratch state for operations done under that lock (the
 * last handle, the copy view), so that they allocate nothing and need nothing shared.
 */
final class Maptrack
{
    static final int WRITABLE = 1;
    static final int PIN = 2;
    /** Most live records one maptrack holds (the index field). */
    static final int MAX_RECORDS = 1 << 20;
    /** Most live maptracks (the tag field; tag 0 is never used). */
    static final int MAX_TAGS = (1 << 16) - 1;
    private static final int LIVE = 4;
    private static final int INDEX_BITS = 20;
    private static final int GENERATION_BITS = 27;
    private static final int GENERATION_MASK = (1 << GENERATION_BITS) - 1;

    /** This maptrack's tag in its handles. */
    final int tag;

    /** A view of the granted frame for one grant copy (under this lock). */
    final UnsafeBuffer copyView = new UnsafeBuffer(0, 0);
    /** The handle of the last successful map (under this lock). */
    long lastHandle;
    private ActiveGrantTable[] table = new ActiveGrantTable[16];
    private int[] ref = new int[16];
    private int[] frame = new int[16];
    private int[] flags = new int[16];
    private int[] generation = new int[16];
    private long[] address = new long[16];
    private int[] free = new int[16];
    private int freeCount;
    private int used;
    private int live;
    private boolean closed;

    /**
     * @param tag distinct among live maptracks, in {@code [1, MAX_TAGS]}.
     */
    Maptrack(final int tag)
    {
        this.tag = tag;
    }

    /**
     * @return whether another record fits (checked before a use is acquired, so that a full maptrack refuses it).
     */
    boolean hasRoom()
    {
        return freeCount > 0 || used < MAX_RECORDS;
    }

    long allocate(final ActiveGrantTable granter, final int grantRef, final int grantFrame, final int kind,
        final long va)
    {
        final int index;
        if (freeCount > 0)
        {
            index = free[--freeCount];
        }
        else
        {
            if (used == table.length)
            {
                grow();
            }
            index = used++;
        }
        table[index] = granter;
        ref[index] = grantRef;
        frame[index] = grantFrame;
        flags[index] = kind | LIVE;
        address[index] = va;
        live++;
        return ((long)tag << (INDEX_BITS + GENERATION_BITS)) | ((long)generation[index] << INDEX_BITS) | index;
    }

    /**
     * @return the slot of a live handle of the kind asked, or -1.
     */
    int lookup(final long handle, final boolean pin)
    {
        final int index = (int)(handle & (MAX_RECORDS - 1));
        if (handle < 0 || (int)(handle >>> (INDEX_BITS + GENERATION_BITS)) != tag || index >= used ||
            generation[index] != (int)((handle >>> INDEX_BITS) & GENERATION_MASK))
        {
            return -1;
        }
        if ((flags[index] & LIVE) == 0 || ((flags[index] & PIN) != 0) != pin)
        {
            return -1;
        }
        return index;
    }

    void release(final int index)
    {
        flags[index] = 0;
        table[index] = null;
        // A new generation makes every copy of the old handle stale.
        generation[index] = (generation[index] + 1) & GENERATION_MASK;
        free[freeCount++] = index;
        live--;
    }

    /**
     * Marks the mapper dead (its destroy holds this lock): every later operation under this lock is refused.
     */
    void close()
    {
        closed = true;
    }

    boolean isClosed()
    {
        return closed;
    }

    ActiveGrantTable table(final int index)
    {
        return table[index];
    }

    int ref(final int index)
    {
        return ref[index];
    }

    int frame(final int index)
    {
        return frame[index];
    }

    boolean writable(final int index)
    {
        return (flags[index] & WRITABLE) != 0;
    }

    boolean pin(final int index)
    {
        return (flags[index] & PIN) != 0;
    }

    boolean isLive(final int index)
    {
        return (flags[index] & LIVE) != 0;
    }

    long address(final int index)
    {
        return address[index];
    }

    int used()
    {
        return used;
    }

    int live()
    {
        return live;
    }

    private void grow()
    {
        final int n = Math.min(table.length * 2, MAX_RECORDS);
        table = Arrays.copyOf(table, n);
        ref = Arrays.copyOf(ref, n);
        frame = Arrays.copyOf(frame, n);
        flags = Arrays.copyOf(flags, n);
        generation = Arrays.copyOf(generation, n);
        address = Arrays.copyOf(address, n);
        free = Arrays.copyOf(free, n);
    }

    /**
     * Tags of live maptracks: a tag goes back when its maptrack's domain is destroyed. Its monitor is a leaf.
     */
    static final class Tags
    {
        private final java.util.BitSet used = new java.util.BitSet();

        synchronized int take()
        {
            final int tag = used.nextClearBit(1);
            if (tag > MAX_TAGS)
            {
                throw new IllegalStateException("more than " + MAX_TAGS + " domains hold grant mappings");
            }
            used.set(tag);
            return tag;
        }

        synchronized void give(final int tag)
        {
            used.clear(tag);
        }
    }
}
