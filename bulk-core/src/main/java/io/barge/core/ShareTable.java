package io.barge.core;

/**
 * One stripe of the kernel's share offers: each a frame its owner consented to let one named domain map, with the
 * most rights it may take. An offer is used once. Its capability is a long that can travel in a message: the slot,
 * the stripe and a generation that changes whenever the slot is reused, so a stale or forged value names no offer
 * (and a value of another stripe names none here).
 * <p>
 * Guarded by its own monitor: the kernel keeps one table per stripe of owners, so that offers of different domains
 * do not wait for each other. Nothing of one stripe that its operations write shares a cache line with another
 * stripe's: padding before and after the fields keeps the monitor word and the counts off the neighbours' lines,
 * and the slot records and free list are arrays padded at both ends (the stripes' arrays are allocated one after
 * another, so an unpadded array's last slots would share a line with the next stripe's header).
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

/** Padding before the fields: keeps them off the line of whatever the heap put before the table. */
class ShareTablePad
{
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
}

/** The table's state; {@link ShareTable} adds the padding after it (a subclass's fields come after these). */
class ShareTableFields extends ShareTablePad
{
    /** Ints of padding at each end of an array: two cache lines. */
    private static final int PAD = 32;
    /** Ints per slot record. */
    private static final int STRIDE = 8;
    private static final int OWNER = 0;
    private static final int FRAME = 1;
    private static final int GRANTEE = 2;
    private static final int RIGHTS = 3;
    private static final int GENERATION = 4;
    private static final int LIVE = 5;

    private final int stripe;
    private final int stripeBits;
    /** Slot records of {@link #STRIDE} ints, from index {@link #PAD}. */
    private int[] records = new int[PAD + 16 * STRIDE + PAD];
    private int capacity = 16;
    private int size;
    /** Free slots, from index {@link #PAD}. */
    private int[] freeSlots = new int[PAD + 16 + PAD];
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

    private static int at(final int slot, final int field)
    {
        return PAD + slot * STRIDE + field;
    }

    /**
     * @return the slot of a new live offer; {@link #capability} names it.
     */
    int add(final int ownerId, final int frame, final int granteeId, final int maxRights)
    {
        final int slot;
        if (freeCount > 0)
        {
            slot = freeSlots[PAD + --freeCount];
        }
        else
        {
            if (size == capacity)
            {
                if (size >= (1 << (31 - stripeBits)) || size >= (Integer.MAX_VALUE - 2 * PAD) / (2 * STRIDE))
                {
                    throw new IllegalStateException(size + " share offers pending in one stripe");
                }
                grow();
            }
            slot = size++;
        }
        final int[] r = records;
        r[at(slot, OWNER)] = ownerId;
        r[at(slot, FRAME)] = frame;
        r[at(slot, GRANTEE)] = granteeId;
        r[at(slot, RIGHTS)] = maxRights;
        r[at(slot, LIVE)] = 1;
        pending++;
        return slot;
    }

    /**
     * @return the capability of the live offer in {@code slot}.
     */
    long capability(final int slot)
    {
        // +1 so that 0 is never a capability.
        return ((long)records[at(slot, GENERATION)] << 32) | ((((long)slot << stripeBits) | stripe) + 1L);
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
        return records[at(slot, LIVE)] != 0 && records[at(slot, GENERATION)] == (int)(capability >>> 32) ? slot : -1;
    }

    int ownerId(final int slot)
    {
        return records[at(slot, OWNER)];
    }

    int frame(final int slot)
    {
        return records[at(slot, FRAME)];
    }

    int granteeId(final int slot)
    {
        return records[at(slot, GRANTEE)];
    }

    int rights(final int slot)
    {
        return records[at(slot, RIGHTS)];
    }

    void remove(final int slot)
    {
        records[at(slot, LIVE)] = 0;
        records[at(slot, GENERATION)]++;
        if (PAD + freeCount == freeSlots.length - PAD)
        {
            final int[] grown = new int[PAD + 2 * freeCount + PAD];
            System.arraycopy(freeSlots, PAD, grown, PAD, freeCount);
            freeSlots = grown;
        }
        freeSlots[PAD + freeCount++] = slot;
        pending--;
    }

    /** Drops every offer made by or to a domain (it is being destroyed). */
    void removeDomain(final int domainId)
    {
        for (int slot = 0; slot < size; slot++)
        {
            if (records[at(slot, LIVE)] != 0 &&
                (records[at(slot, OWNER)] == domainId || records[at(slot, GRANTEE)] == domainId))
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
            if (records[at(slot, LIVE)] != 0 && records[at(slot, FRAME)] == frame)
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
        capacity *= 2;
        final int[] grown = new int[PAD + capacity * STRIDE + PAD];
        System.arraycopy(records, PAD, grown, PAD, size * STRIDE);
        records = grown;
    }
}
