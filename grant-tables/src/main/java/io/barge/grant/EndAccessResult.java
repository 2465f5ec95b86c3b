package io.barge.grant;

/**
 * What a granter's attempt to end a grant did.
 */
public enum EndAccessResult
{
    /** The grant has ended: the reference is free again and the peer can no longer map, pin or copy it. */
    ENDED,
    /** The grant is mapped, pinned or being copied by its grantee; nothing changed. */
    IN_USE,
    /** The grant is in use; it will end, and its frame be freed, after the grantee's last unmap or unpin. */
    DEFERRED
}
