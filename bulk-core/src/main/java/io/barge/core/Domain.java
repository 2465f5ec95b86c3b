package io.barge.core;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * A protection domain: an id, a name, an {@link AddressSpace} and its cost counters.
 * <p>
 * Created and destroyed only by the {@link Kernel}. A domain reads and writes memory only through its address space.
 * {@link #close()} asks the kernel to destroy it, so a domain can live in a try-with-resources block; closing the
 * kernel destroys every domain still alive.
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
    final Object pageTableLock = new Object();
    private volatile boolean alive = true;

    Domain(final Kernel kernel, final int id, final String name, final int maxPages, final int privatePages,
        final AtomicCounter[] counters)
    {
        this.kernel = kernel;
        this.id = id;
        this.name = name;
        this.addressSpace = new AddressSpace(this, kernel.memory(), maxPages);
        this.counters = counters;
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
