package io.barge.fbufs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before the producers' fields (JCTools style): keeps them off lines other objects write. */
abstract class ReturnRingLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** The producers' fields. */
abstract class ReturnRingProducerFields extends ReturnRingLhsPad
{
    /** [PRODUCER] Next position to claim; claimed by compare-and-set, so several threads may free. */
    long tail;
    /** [PRODUCER] The consumer's position as a producer last read it: re-read only when the ring looks full. */
    long headCache;
}

/** Padding between the producers' and the consumer's fields. */
abstract class ReturnRingMidPad extends ReturnRingProducerFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;
}

/** The consumer's fields. */
abstract class ReturnRingConsumerFields extends ReturnRingMidPad
{
    /** [CONSUMER] Next position to take; published with release once per drain. */
    long head;
}

/** Padding after the consumer's fields. */
abstract class ReturnRingRhsPad extends ReturnRingConsumerFields
{
    long p200, p201, p202, p203, p204, p205, p206, p207;
    long p210, p211, p212, p213, p214, p215, p216, p217;
}

/**
 * The return ring of a {@link Magazine}: fbufs freed by a thread other than the magazine's (allocating) thread travel
 * back through it, so neither side takes the path's lock (seed 004's cached free list, kept per path, made
 * cross-core). Many producers (any domain on the path may drop the last reference), one consumer: the magazine's
 * thread, which drains it when its stacks run dry; it never needs a lock or an atomic instruction to do so.
 * <p>
 * An entry is a free fbuf's generation and first page ({@link #entry}); zero marks an empty slot. Trusted state: the
 * ring is the region's bookkeeping, never in memory a domain can write.
 * <p>
 * Protocol:
 * <ol>
 *     <li>A producer reads {@code tail} and, if {@code tail - headCache >= capacity}, re-reads {@code head} with
 *     acquire (the consumer zeroed the slots before it released {@code head}); still full: refused.</li>
 *     <li>It claims the position with a compare-and-set on {@code tail} (a full fence: whoever later reads
 *     {@code tail} sees the claim before the entry is written, see {@link #isEmpty}).</li>
 *     <li>It writes the entry into the slot with release: the consumer that sees it sees the free (the generation
 *     bumped in the fbuf's state) that happened before.</li>
 *     <li>The consumer reads slots from {@code head} with acquire until an empty one, zeroes each (plain: ordered
 *     before step 5), and</li>
 *     <li>releases {@code head} once for the batch.</li>
 * </ol>
 * A producer whose claimed slot is still empty stops the consumer there (the entries behind it wait for the next
 * drain); nothing is lost.
 * <p>
 * Steady state (one freeing thread, one allocating thread) moves only slot lines between the cores (8 entries per
 * line) and never a counter: {@code tail} stays in the producer's cache, {@code head} in the consumer's (read by a
 * producer only when the ring looks full).
 */
final class ReturnRing extends ReturnRingRhsPad
{
    /** Slots of padding at each end of the slot array, so its first and last entries share no line with others. */
    private static final int PAD = 16;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(ReturnRingProducerFields.class, "tail", long.class);
            HEAD = lookup.findVarHandle(ReturnRingConsumerFields.class, "head", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Receives the entries of a drain. */
    interface Sink
    {
        /**
         * @param entry an entry, never zero.
         */
        void accept(long entry);
    }

    private final long[] slots;
    private final int mask;
    private final int capacity;

    /**
     * @param capacity entries, a power of two.
     */
    ReturnRing(final int capacity)
    {
        if (capacity < 1 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be a positive power of two");
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.slots = new long[capacity + 2 * PAD];
    }

    /**
     * @param generation the generation of the free fbuf (its state's high word after the free).
     * @param first      its first page.
     * @return the entry naming it; never zero.
     */
    static long entry(final long generation, final int first)
    {
        return (generation << 32) | (first + 1L);
    }

    /**
     * @param entry an entry.
     * @return its first page.
     */
    static int first(final long entry)
    {
        return (int)entry - 1;
    }

    /**
     * @param entry an entry.
     * @return its generation.
     */
    static long generation(final long entry)
    {
        return entry >>> 32;
    }

    /**
     * @return slots.
     */
    int capacity()
    {
        return capacity;
    }

    /**
     * Adds an entry; any thread.
     *
     * @param entry a non-zero entry.
     * @return false if the ring is full (the caller keeps the fbuf elsewhere).
     */
    boolean offer(final long entry)
    {
        long position;
        do
        {
            position = (long)TAIL.getVolatile(this);
            if (position - headCache >= capacity)
            {
                // Acquire: the consumer zeroed the slots it took before releasing head.
                final long head = (long)HEAD.getAcquire(this);
                if (position - head >= capacity)
                {
                    return false;
                }
                headCache = head; // any producer may store it: a stale value only costs a re-read
            }
        }
        while (!TAIL.compareAndSet(this, position, position + 1));
        // Release: a consumer that sees the entry sees the free that happened before it.
        SLOTS.setRelease(slots, PAD + (int)(position & mask), entry);
        return true;
    }

    /**
     * Takes the entries visible now, up to a limit. Only the consumer calls it.
     *
     * @param sink  receives each entry, in ring order.
     * @param limit most entries to take.
     * @return entries taken.
     */
    int drain(final Sink sink, final int limit)
    {
        final long[] slots = this.slots;
        final long start = head;
        long position = start;
        try
        {
            while (position - start < limit)
            {
                final int at = PAD + (int)(position & mask);
                // Acquire: pairs with the producer's release of the entry.
                final long entry = (long)SLOTS.getAcquire(slots, at);
                if (entry == 0L)
                {
                    break;
                }
                slots[at] = 0L; // ordered before head's release below: a producer reuses the slot after it
                position++;
                sink.accept(entry);
            }
        }
        finally
        {
            if (position != start)
            {
                // Release: a producer that sees the new head sees the slots zeroed.
                HEAD.setRelease(this, position);
            }
        }
        return (int)(position - start);
    }

    /**
     * The consumer's check that nothing is on its way: every claimed position taken, including claims whose entry is
     * not written yet (a volatile read of {@code tail}, ordered after a producer's claim).
     *
     * @return whether the ring is empty and no producer is between its claim and its write.
     */
    boolean isEmpty()
    {
        return (long)TAIL.getVolatile(this) == head;
    }

    /**
     * Calls {@code sink} for each entry in the ring now without taking it: exact when the ring is quiet, a snapshot
     * that may miss or repeat an entry being added or taken otherwise. Entries come in ring order.
     * <p>
     * Only the positions between the consumer's and the producers' can hold entries, so only those are read: an
     * allocator that is back pressured checks its budget ({@link IoPath#cachedPages}) on every claim, and a scan of
     * every slot read the lines the freeing thread on the other core was writing, on each try.
     *
     * @param sink receives each entry seen.
     */
    void forEach(final Sink sink)
    {
        // Acquire both: slots before head were zeroed before it was released; entries at or past tail are not there.
        final long start = (long)HEAD.getAcquire(this);
        final long end = start + Math.min(Math.max((long)TAIL.getVolatile(this) - start, 0L), capacity);
        for (long position = start; position < end; position++)
        {
            final long entry = (long)SLOTS.getAcquire(slots, PAD + (int)(position & mask));
            if (entry != 0)
            {
                sink.accept(entry);
            }
        }
    }

    @Override
    public String toString()
    {
        return "ReturnRing{capacity=" + capacity + ", tail=" + (long)TAIL.getVolatile(this) + ", head=" +
            (long)HEAD.getVolatile(this) + "}";
    }
}
