package io.barge.core;

/**
 * A domain's cache of free frames, so that the allocations and frees of domains on different threads neither take
 * the kernel's monitor nor touch the global free stack (one monitor and one set of lines for every thread) on each
 * call: the cache refills from {@link PhysicalMemory}'s stack in batches and spills half of itself back when full.
 * A frame the domain frees goes to its own cache, so a domain keeps reusing frames whose lines its core holds.
 * <p>
 * A cached frame is free in every sense the kernel checks (its pin word is FREE, it has no owner, nothing maps it);
 * only the global stack does not list it, so {@link PhysicalMemory#freeFrames()} adds what the caches hold. When
 * frames run out the kernel drains every cache before it gives up; a domain's teardown closes its cache, after which
 * frees go straight to the global stack.
 * <p>
 * Guarded by its own monitor (the domain's threads may allocate at once); nothing is taken while it is held but
 * the memory's monitor. Padded before and after, with the slots padded at both ends, so that two domains' caches
 * never share a line.
 */
final class FrameCache extends FrameCacheFields
{
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;

    FrameCache(final PhysicalMemory memory)
    {
        super(memory);
    }
}

/** Padding before the fields. */
class FrameCachePad
{
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
}

/** The cache's state; {@link FrameCache} adds the padding after it. */
class FrameCacheFields extends FrameCachePad
{
    /** Frames a cache holds at most. */
    static final int CAPACITY = 64;
    /** Frames a refill takes at most, and a spill returns. */
    static final int BATCH = CAPACITY / 2;
    /** Ints of padding at each end of the slots: two cache lines. */
    private static final int PAD = 32;

    private final PhysicalMemory memory;
    private final int[] frames = new int[PAD + CAPACITY + PAD];
    private static final java.lang.invoke.VarHandle COUNT;

    static
    {
        try
        {
            COUNT = java.lang.invoke.MethodHandles.lookup().findVarHandle(FrameCacheFields.class, "count", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /**
     * Frames cached: read and written under the monitor; also read without it by {@link #size()}, so stored with
     * release (a snapshot for counting needs no fence on every allocation and free).
     */
    private int count;
    /** Frames the next refill takes: 1, doubling up to {@link #BATCH}, so a domain allocating little hoards little. */
    private int refill = 1;
    private boolean closed;

    FrameCacheFields(final PhysicalMemory memory)
    {
        this.memory = memory;
    }

    /**
     * @return a free frame taken from the cache (refilled from the memory's stack first if empty), or -1 if the
     *         memory has none.
     */
    synchronized int take()
    {
        int n = count;
        if (n == 0)
        {
            if (closed)
            {
                // A dying domain's allocation (it raced the teardown and will be undone): nothing is cached.
                return memory.takeFrames(frames, PAD, 1) == 1 ? frames[PAD] : -1;
            }
            n = memory.takeFrames(frames, PAD, refill);
            if (n == 0)
            {
                return -1;
            }
            refill = Math.min(BATCH, refill * 2);
            reverse(n); // so that this cache hands frames out in the global stack's order (runs stay consecutive)
        }
        COUNT.setRelease(this, n - 1);
        return frames[PAD + n - 1];
    }

    /**
     * @param frame a frame the kernel has just made free (FREE word, no owner, unmapped); spills to the memory's
     *              stack when full.
     */
    synchronized void put(final int frame)
    {
        if (closed)
        {
            memory.freeFrame(frame);
            return;
        }
        int n = count;
        if (n == CAPACITY)
        {
            // The oldest half goes: the frames freed last, whose lines this core holds, are handed out next.
            memory.returnFrames(frames, PAD, BATCH);
            System.arraycopy(frames, PAD + BATCH, frames, PAD, n - BATCH);
            n -= BATCH;
        }
        frames[PAD + n] = frame;
        COUNT.setRelease(this, n + 1);
    }

    /**
     * Returns every cached frame to the memory's stack.
     *
     * @param close whether later frees go straight to the stack (the domain is being torn down); the memory then
     *              stops counting this cache.
     */
    synchronized void drain(final boolean close)
    {
        memory.returnFrames(frames, PAD, count);
        COUNT.setRelease(this, 0);
        if (close && !closed)
        {
            closed = true;
            memory.retire((FrameCache)this); // the one subclass
        }
    }

    private void reverse(final int n)
    {
        for (int i = PAD, j = PAD + n - 1; i < j; i++, j--)
        {
            final int t = frames[i];
            frames[i] = frames[j];
            frames[j] = t;
        }
    }

    /** @return frames cached now (a snapshot). */
    int size()
    {
        return (int)COUNT.getAcquire(this);
    }
}
