package io.barge.core;

/**
 * Told when the kernel destroys a domain, before its mappings are removed and its frames freed, so that a transport
 * can drop the references the domain held (for example, fbufs it had received).
 */
@FunctionalInterface
public interface DomainListener
{
    /**
     * @param domain the domain being destroyed; still mapped, already marked dead.
     */
    void onDestroy(Domain domain);
}
