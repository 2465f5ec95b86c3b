package io.barge.grant;

import io.barge.core.CounterType;

/**
 * The counter types of the grant tables, registered as a module registers its own ({@link CounterType#register}),
 * under the ids 24..29 that {@link CounterType} keeps for them: stable, as reports and other processes find the
 * counters by id.
 */
public final class GrantCounters
{
    /** Grants the hypervisor mapped into this domain's address space. */
    public static final CounterType GRANT_MAPS = CounterType.register(24, "GRANT_MAPS", "grant maps");
    /** Grant mappings the hypervisor removed from this domain's address space. */
    public static final CounterType GRANT_UNMAPS = CounterType.register(25, "GRANT_UNMAPS", "grant unmaps");
    /** Grant copies the hypervisor did for this domain (the bytes count under bytes copied). */
    public static final CounterType GRANT_COPIES = CounterType.register(26, "GRANT_COPIES", "grant copies");
    /** Grants the hypervisor pinned for this domain's devices (DMA). */
    public static final CounterType GRANT_PINS = CounterType.register(27, "GRANT_PINS", "grant pins");
    /** Grant pins this domain dropped. */
    public static final CounterType GRANT_UNPINS = CounterType.register(28, "GRANT_UNPINS", "grant unpins");
    /** Grant operations the hypervisor refused for this domain (bad reference, handle, rights or address). */
    public static final CounterType GRANT_ERRORS =
        CounterType.register(29, "GRANT_ERRORS", "grant operation errors");

    private GrantCounters()
    {
    }
}
