package io.barge.core;

import java.util.Arrays;

/**
 * One stripe of the kernel's share offers: each a frame its owner consented to let one named domain map, with the
 * most rights it may take. An offer is used once. Its capability is a long that can travel in a message: the slot,
 * the stripe and a generation that changes whenever the slot is reused, so a stale or forged value names no offer
 * (and a value of another stripe names none here).
 * <p>
 * Guarded by its own monitor: the kernel keeps one table per stripe of owners, so that offers of different domains
 * do not wait for each other. The padding at the end keeps the next stripe's header (its monitor word) off this
 * one's cache lines.
 */
final class ShareTable extends ShareTableFields
{
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;

    /**
     * @param stripe     this table's stripe, in {@code [0, 2^stripeBits)}.
     * @param stripeBits how many low bits of a capability's slot word name the stripe.
     */
    ShareTable(final int stripe, final int stripeBits)
    {
        super(stripe, stripeBits);
    }
}

/** The table's state; {@link ShareTable} adds the padding after it (a subclass's fields come after these). */
class ShareTableFields
{
    private final int stripe;
    private final int stripeBits;
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

    ShareTableFields(final int stripe, final int stripeBits)
    {
        this.stripe = stripe;
        this.stripeBits = stripeBits;
    }

    /**
     * @param capability a capability of any stripe.
     * @param stripeBits the stripe bits the tables were made with.
     * @return the stripe it names, or -1 if it names none (0 is never a capability).
     */
    static int stripeOf(final long capability, final int stripeBits)
    {
        final long word = capability & 0xFFFF_FFFFL;
        return word == 0 ? -1 : (int)((word - 1) & ((1L << stripeBits) - 1));
    }

    /**
     * @return the slot of a new live offer; {@link #capability} names it.
     */
    int add(final int ownerId, final int frame, final int granteeId, final int maxRights)
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
                if (size >= (1 << (31 - stripeBits)))
                {
                    throw new IllegalStateException(size + " share offers pending in one stripe");
                }
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
        return slot;
    }

    /**
     * @return the capability of the live offer in {@code slot}.
     */
    long capability(final int slot)
    {
        // +1 so that 0 is never a capability.
        return ((long)generations[slot] << 32) | ((((long)slot << stripeBits) | stripe) + 1L);
    }

    /**
     * @return the slot of a live offer with this capability, or -1.
     */
    int find(final long capability)
    {
        final long word = capability & 0xFFFF_FFFFL;
        if (word < 1 || ((word - 1) & ((1L << stripeBits) - 1)) != stripe)
        {
            return -1;
        }
        final long slotLong = (word - 1) >>> stripeBits;
        if (slotLong >= size)
        {
            return -1;
        }
        final int slot = (int)slotLong;
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
