package io.barge.grant;

import java.util.Arrays;

/**
 * The hypervisor's table of live grant mappings and pins (Xen's maptrack): one record per handle, naming the
 * domain that holds it, the granter and reference, whether it is writable or a pin, and the mapped address. A
 * handle carries a generation so that a handle used twice (a second unmap) is recognised even after its slot was
 * reused. Guarded by the {@link Hypervisor}'s monitor.
 */
final class Maptrack
{
    static final int WRITABLE = 1;
    static final int PIN = 2;
    private static final int LIVE = 4;

    private int[] holder = new int[16];
    private int[] granter = new int[16];
    private int[] ref = new int[16];
    private int[] flags = new int[16];
    private int[] generation = new int[16];
    private long[] address = new long[16];
    private int[] free = new int[16];
    private int freeCount;
    private int used;
    private int live;

    long allocate(final int holderId, final int granterId, final int grantRef, final int kind, final long va)
    {
        final int index;
        if (freeCount > 0)
        {
            index = free[--freeCount];
        }
        else
        {
            if (used == holder.length)
            {
                grow();
            }
            index = used++;
        }
        holder[index] = holderId;
        granter[index] = granterId;
        ref[index] = grantRef;
        flags[index] = kind | LIVE;
        address[index] = va;
        live++;
        return ((long)generation[index] << 32) | index;
    }

    /**
     * @return the slot of a live handle held by {@code holderId} and of the kind asked, or -1.
     */
    int lookup(final long handle, final int holderId, final boolean pin)
    {
        final int index = (int)handle;
        if (handle < 0 || index < 0 || index >= used || generation[index] != (int)(handle >>> 32))
        {
            return -1;
        }
        if ((flags[index] & LIVE) == 0 || holder[index] != holderId || ((flags[index] & PIN) != 0) != pin)
        {
            return -1;
        }
        return index;
    }

    void release(final int index)
    {
        flags[index] = 0;
        // A new generation makes every copy of the old handle stale; 31 bits keep handles non-negative.
        generation[index] = (generation[index] + 1) & 0x7FFF_FFFF;
        free[freeCount++] = index;
        live--;
    }

    int holder(final int index)
    {
        return holder[index];
    }

    int granter(final int index)
    {
        return granter[index];
    }

    int ref(final int index)
    {
        return ref[index];
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
        final int n = holder.length * 2;
        holder = Arrays.copyOf(holder, n);
        granter = Arrays.copyOf(granter, n);
        ref = Arrays.copyOf(ref, n);
        flags = Arrays.copyOf(flags, n);
        generation = Arrays.copyOf(generation, n);
        address = Arrays.copyOf(address, n);
        free = Arrays.copyOf(free, n);
    }
}
