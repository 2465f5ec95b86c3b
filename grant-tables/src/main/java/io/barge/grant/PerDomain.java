package io.barge.grant;

import io.barge.core.Domain;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.function.Function;

/**
 * The hypervisor's map from a domain id to that domain's state (its active grant table, its maptrack), copy on
 * write: a lookup is one acquire read of the current snapshot and takes no lock, so operations of different domains
 * never meet here; the rare changes (a domain's first table or first mapping, a domain's death, a table taken down)
 * copy the snapshot under this object's monitor and publish the copy with a release store. A snapshot is never
 * changed once published. Only a new state's factory runs under the monitor (it takes nothing but leaves).
 *
 * @param <T> the per-domain state.
 */
final class PerDomain<T>
{
    /** Written only under the monitor (release, by the volatile store); read without it (acquire). */
    private volatile Int2ObjectHashMap<T> snapshot = new Int2ObjectHashMap<>();

    /**
     * @param domainId a domain id.
     * @return its state, or null.
     */
    T get(final int domainId)
    {
        return snapshot.get(domainId);
    }

    /**
     * Finds a live domain's state, creating it if it has none. The liveness check and the publication are one step
     * under the monitor, as is {@link #remove} after a destroy marked the domain dead: so either the destroy finds
     * the new state and tears it down, or this sees the domain dead and publishes nothing.
     *
     * @throws IllegalStateException if the domain has been destroyed.
     */
    synchronized T getOrCreate(final Domain domain, final Function<Domain, T> factory)
    {
        final T existing = snapshot.get(domain.id());
        if (existing != null)
        {
            return existing;
        }
        domain.checkAlive();
        final T created = factory.apply(domain);
        final Int2ObjectHashMap<T> copy = new Int2ObjectHashMap<>(snapshot);
        copy.put(domain.id(), created);
        snapshot = copy;
        return created;
    }

    /**
     * A lookup ordered with {@link #getOrCreate} by the monitor, for a destroy, which must see every state created
     * before its domain was marked dead.
     *
     * @param domainId a domain id.
     * @return its state, or null.
     */
    synchronized T getOrdered(final int domainId)
    {
        return snapshot.get(domainId);
    }

    /**
     * Removes a domain's state if it is still {@code expected} (a later state of the same domain stays).
     */
    synchronized void remove(final int domainId, final T expected)
    {
        if (snapshot.get(domainId) == expected)
        {
            final Int2ObjectHashMap<T> copy = new Int2ObjectHashMap<>(snapshot);
            copy.remove(domainId);
            snapshot = copy;
        }
    }

    /**
     * Removes and returns a domain's state, whatever it is (a destroy: see {@link #getOrCreate}).
     */
    synchronized T remove(final int domainId)
    {
        final T existing = snapshot.get(domainId);
        if (existing != null)
        {
            final Int2ObjectHashMap<T> copy = new Int2ObjectHashMap<>(snapshot);
            copy.remove(domainId);
            snapshot = copy;
        }
        return existing;
    }

    /**
     * @return the current snapshot, read-only (observation).
     */
    Int2ObjectHashMap<T> snapshot()
    {
        return snapshot;
    }
}
