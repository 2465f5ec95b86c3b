package io.barge.core;

/**
 * The kind of memory access a domain attempts, as reported by a {@link ProtectionFault}.
 */
public enum Access
{
    /** A load. Needs the read right. */
    READ,
    /** A store. Needs the write right. */
    WRITE
}
