package io.barge.core;

import java.util.Arrays;

/**
 * The kernel's table of share offers: each a frame its owner consented to let one named domain map, with the most
 * rights it may take. An offer is used once. Its capability is a long that can travel in a message: the slot and a
 * generation that changes whenever the slot is reused, so a stale or forged value names no offer.
 * <p>
 * Guarded by the kernel's monitor (offers, accepts and withdrawals all take it).
 */
final class ShareTable
{
    private int[] ownerIds = new int[16];
    private int[] frames = new int[16];
    private int[] granteeIds = new int[16];
    private int[] rights = new int[16];
    private int[] generations = new int[16];
    private boolean[] live = new boolean[16];
    private int size;
    private int[] freeSlots = new int[16];
    private int freeCount;
    private int pending;

    long add(final int ownerId, final int frame, final int granteeId, final int maxRights)
    {
        final int slot;
        if (freeCount > 0)
        {
            slot = freeSlots[--freeCount];
        }
        else
        {
            if (size == live.length)
            {
                grow();
            }
            slot = size++;
        }
        ownerIds[slot] = ownerId;
        frames[slot] = frame;
        granteeIds[slot] = granteeId;
        rights[slot] = maxRights;
        live[slot] = true;
        pending++;
        // +1 so that 0 is never a capability.
        return ((long)generations[slot] << 32) | (slot + 1L);
    }

    /**
     * @return the slot of a live offer with this capability, or -1.
     */
    int find(final long capability)
    {
        final long slotPlusOne = capability & 0xFFFF_FFFFL;
        if (slotPlusOne < 1 || slotPlusOne > size)
        {
            return -1;
        }
        final int slot = (int)slotPlusOne - 1;
        return live[slot] && generations[slot] == (int)(capability >>> 32) ? slot : -1;
    }

    int ownerId(final int slot)
    {
        return ownerIds[slot];
    }

    int frame(final int slot)
    {
        return frames[slot];
    }

    int granteeId(final int slot)
    {
        return granteeIds[slot];
    }

    int rights(final int slot)
    {
        return rights[slot];
    }

    void remove(final int slot)
    {
        live[slot] = false;
        generations[slot]++;
        if (freeCount == freeSlots.length)
        {
            freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeCount++] = slot;
        pending--;
    }

    /** Drops every offer made by or to a domain (it is being destroyed). */
    void removeDomain(final int domainId)
    {
        for (int slot = 0; slot < size; slot++)
        {
            if (live[slot] && (ownerIds[slot] == domainId || granteeIds[slot] == domainId))
            {
                remove(slot);
            }
        }
    }

    /** Drops every offer of a frame (it is being freed: an offer must not outlive its frame's owner's hold). */
    void removeFrame(final int frame)
    {
        if (pending == 0)
        {
            return;
        }
        for (int slot = 0; slot < size; slot++)
        {
            if (live[slot] && frames[slot] == frame)
            {
                remove(slot);
            }
        }
    }

    int pending()
    {
        return pending;
    }

    private void grow()
    {
        final int n = live.length * 2;
        ownerIds = Arrays.copyOf(ownerIds, n);
        frames = Arrays.copyOf(frames, n);
        granteeIds = Arrays.copyOf(granteeIds, n);
        rights = Arrays.copyOf(rights, n);
        generations = Arrays.copyOf(generations, n);
        live = Arrays.copyOf(live, n);
    }
}
