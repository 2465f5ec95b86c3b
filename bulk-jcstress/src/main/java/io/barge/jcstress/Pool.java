package io.barge.jcstress;

import java.util.concurrent.ConcurrentLinkedQueue;
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

    /**
     * @param factory makes a resource when none is free.
     */
    public Pool(final Supplier<T> factory)
    {
        this.factory = factory;
    }

    /**
     * @return a free resource, or a new one.
     */
    public T take()
    {
        final T t = free.poll();
        return t != null ? t : factory.get();
    }

    /**
     * @param t a resource taken from this pool, quiescent and reset.
     */
    public void give(final T t)
    {
        free.offer(t);
    }
}
