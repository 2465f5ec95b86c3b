package io.barge.core;

import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

/**
 * A protection domain: an id, a name, an {@link AddressSpace} and its cost counters.
 * <p>
 * Created and destroyed only by the {@link Kernel}. A domain reads and writes memory only through its address space.
 * {@link #close()} asks the kernel to destroy it, so a domain can live in a try-with-resources block; closing the
 * kernel destroys every domain still alive.
 * <p>
 * <b>Threads.</b> A domain's loops (a producer, a forwarder, a consumer) may run on threads of the domain's own,
 * started with {@link #start(Callable)}: destroying the domain waits for them to end before it frees the domain's
 * memory, as a process's threads end with it.
 */
public final class Domain implements AutoCloseable
{
    private final Kernel kernel;
    private final int id;
    private final String name;
    private final AddressSpace addressSpace;
    // Grows (copy on write, under the kernel's counters) when a module registers a counter type later. Once the
    // domain is destroyed: the kernel's retired totals, so that a count racing the destroy never reaches a freed slot.
    private volatile AtomicCounter[] counters;
    // Null while alive; then the counts as they stood when the domain's own counters were retired.
    private volatile long[] finalCounts;
    final VirtualRangeAllocator privateRanges;
    /**
     * Serialises changes to this domain's page table and translation cache (the address space's one writer at a
     * time); the kernel takes it alone for the domain's own map, unmap, protect and flush, and after its own monitor
     * (never the other way round) when a free or a teardown reaches into the domain's space.
     */
    final Object pageTableLock = new PageTableLock();
    /** Free frames kept for this domain's allocations and filled by its frees ({@link Kernel}). */
    final FrameCache frameCache;
    private volatile boolean alive = true;
    /** Threads started by {@link #start}; under its own monitor. */
    private final List<Thread> threads = new ArrayList<>();

    Domain(final Kernel kernel, final int id, final String name, final int maxPages, final int privatePages,
        final AtomicCounter[] counters)
    {
        this.kernel = kernel;
        this.id = id;
        this.name = name;
        this.addressSpace = new AddressSpace(this, kernel.memory(), maxPages);
        this.counters = counters;
        this.frameCache = kernel.memory().newFrameCache();
        // Page 0 stays unmapped so that address 0 always faults.
        this.privateRanges = new VirtualRangeAllocator(1, privatePages - 1);
    }

    /**
     * @return the kernel that created this domain.
     */
    public Kernel kernel()
    {
        return kernel;
    }

    /**
     * @return the domain id, unique for the kernel's lifetime.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the domain name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the address space through which this domain reaches memory.
     */
    public AddressSpace addressSpace()
    {
        return addressSpace;
    }

    /**
     * @return false once the kernel has destroyed the domain.
     */
    public boolean isAlive()
    {
        return alive;
    }

    /**
     * Runs a task on a new thread of this domain's own. Destroying the domain ({@link #close()},
     * {@link Kernel#destroyDomain}, closing the kernel) first tells the kernel's listeners, so transports close the
     * domain's channels, then interrupts each of the domain's threads still running and waits until it has ended,
     * and only then takes the domain's mappings and frees its frames: no thread of a dead domain still reads or
     * writes its memory. A Barge call blocked on a closed channel ends with
     * {@link ChannelClosedException}; a task that ignores interrupts and never returns keeps the destroy waiting.
     * A thread of the domain that destroys the domain itself is not waited for.
     *
     * @param task the domain's loop.
     * @param <T>  its result.
     * @return the task's future: its result, or the exception that ended it, handed out once the thread has ended
     *         (so a count of frames after {@code get()} does not race the thread's exit).
     * @throws IllegalStateException    if the domain has been destroyed.
     * @throws IllegalArgumentException for the kernel's own domain, which is never destroyed on its own.
     */
    public <T> Future<T> start(final Callable<T> task)
    {
        if (id == Kernel.KERNEL_DOMAIN_ID)
        {
            throw new IllegalArgumentException("the kernel domain starts no threads: start them in a domain of yours");
        }
        final DomainTask<T> future = new DomainTask<>(task);
        synchronized (threads)
        {
            // Checked under the lock that joinThreads takes after the domain is marked dead: no thread is missed.
            checkAlive();
            threads.removeIf(thread -> !thread.isAlive());
            final Thread thread = new Thread(future, name + "-" + id + "-thread");
            future.runOn(thread);
            threads.add(thread);
            thread.start();
        }
        return future;
    }

    /**
     * {@link #start(Callable)} for a task without a result.
     *
     * @param task the domain's loop.
     * @return the task's future: null once it ended normally, or the exception that ended it.
     * @throws IllegalStateException    if the domain has been destroyed.
     * @throws IllegalArgumentException for the kernel's own domain.
     */
    public Future<?> start(final Runnable task)
    {
        return start(() ->
        {
            task.run();
            return null;
        });
    }

    /** After the domain is marked dead and its channels closed: interrupts and joins every thread it started. */
    void joinThreads()
    {
        final List<Thread> started;
        synchronized (threads)
        {
            started = new ArrayList<>(threads);
            threads.clear();
        }
        boolean interrupted = false;
        for (final Thread thread : started)
        {
            if (thread == Thread.currentThread())
            {
                continue;
            }
            thread.interrupt();
            while (thread.isAlive())
            {
                try
                {
                    thread.join();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true; // the domain's memory must outlive its threads: wait on, re-assert below
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    void markDestroyed()
    {
        alive = false;
    }

    AtomicCounter[] counters()
    {
        return counters;
    }

    /**
     * Kernel, under its counters' lock, as the domain is destroyed: later counts go to {@code retired}; reads see
     * {@code finalCounts}.
     */
    void retireCounters(final AtomicCounter[] retired, final long[] finalCounts)
    {
        this.finalCounts = finalCounts;
        this.counters = retired;
    }

    /**
     * Records an operation done on this domain's behalf. The kernel counts its own operations; channel code counts
     * notifications and validation outcomes with this. On a destroyed domain the count goes to the kernel's retired
     * totals (a count that races the destroy may be lost, but never lands in another counter).
     *
     * @param type  what was done.
     * @param delta how many.
     */
    public void count(final CounterType type, final long delta)
    {
        counterOf(type).getAndAdd(delta);
    }

    /**
     * @param type a counter type.
     * @return this domain's current count of it; for a destroyed domain, its count when it was destroyed.
     */
    public long counter(final CounterType type)
    {
        final long[] last = finalCounts;
        if (last != null)
        {
            return type.ordinal() < last.length ? last[type.ordinal()] : 0;
        }
        return counterOf(type).get();
    }

    private AtomicCounter counterOf(final CounterType type)
    {
        final AtomicCounter[] current = counters;
        final int index = type.ordinal();
        return index < current.length ? current[index] : extendCounters(index);
    }

    private AtomicCounter extendCounters(final int index)
    {
        synchronized (kernel.counters())
        {
            final AtomicCounter[] grown = finalCounts != null ? kernel.counters().retiredCounters() :
                kernel.counters().extendDomain(id, name, counters);
            counters = grown;
            return grown[index];
        }
    }

    /**
     * Checks the domain has not been destroyed.
     *
     * @throws IllegalStateException if it has.
     */
    public void checkAlive()
    {
        if (!alive)
        {
            throw new IllegalStateException("domain " + name + "(" + id + ") has been destroyed");
        }
    }

    /**
     * Destroys this domain as {@link Kernel#destroyDomain(Domain)} does: every frame it owned comes back. Does
     * nothing if it is already destroyed or its kernel closed.
     *
     * @throws IllegalArgumentException for the kernel's own domain, which only closing the kernel destroys.
     */
    @Override
    public void close()
    {
        kernel.destroyIfAlive(this);
    }

    @Override
    public String toString()
    {
        return name + "(" + id + ")";
    }
}

/**
 * A domain's page-table lock, padded: its monitor word (in the header) is changed by every map and unmap of the
 * domain, and an unpadded lock object shares its line with whatever the heap puts after it, another domain's hot
 * objects included once a collection has moved them next to each other.
 */
final class PageTableLock
{
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
}
