package io.barge.jcstress;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Reusable per-state resources (channels, control areas): a state takes one in its constructor and its arbiter,
 * which jcstress runs after both actors, gives it back in a quiescent, reset state. The queue orders the hand-over,
 * so the next state sees everything the arbiter wrote.
 *
 * @param <T> the resource.
 */
public final class Pool<T>
{
    private final ConcurrentLinkedQueue<T> free = new ConcurrentLinkedQueue<>();
    private final Supplier<T> factory;
    private final int max;
    private final AtomicInteger made = new AtomicInteger();
    /** How many the pool makes before it refuses: half of {@link #max} until the first refusal, then all of it. */
    private volatile int limit;

    /**
     * @param factory makes a resource when none is free.
     */
    public Pool(final Supplier<T> factory)
    {
        this(factory, Integer.MAX_VALUE);
    }

    /**
     * A pool of at most {@code max} resources, for resources that cost the machine something limited (a domain holds
     * a set of the kernel's counters, which have room for 1024 live domains). jcstress sizes a test's stride by
     * running larger ones until constructing a stride's states throws {@link OutOfMemoryError} or the stride runs
     * longer than an iteration; with a fast kernel the second never comes before the machine's domains run out. So
     * the pool refuses with that error once it has made half of {@code max}, which sets the stride, and from then on
     * makes up to all of it: a run keeps two strides in flight (the next is built while the last is checked).
     *
     * @param factory makes a resource when none is free.
     * @param max     how many resources the pool makes at most.
     */
    public Pool(final Supplier<T> factory, final int max)
    {
        this.factory = factory;
        this.max = max;
        this.limit = max == Integer.MAX_VALUE ? max : max / 2;
    }

    /**
     * @return a free resource, or a new one.
     */
    public T take()
    {
        final T t = free.poll();
        if (t != null)
        {
            return t;
        }
        if (made.incrementAndGet() > limit)
        {
            made.decrementAndGet();
            final int refused = limit;
            limit = max;
            throw new OutOfMemoryError("pool refused to make more than " + refused + " resources (at most " + max +
                "): a smaller stride, please");
        }
        return factory.get();
    }

    /**
     * @param t a resource taken from this pool, quiescent and reset.
     */
    public void give(final T t)
    {
        free.offer(t);
    }
}
