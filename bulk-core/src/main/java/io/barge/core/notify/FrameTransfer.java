package io.barge.core.notify;

/**
 * How the kernel passes a frame named in an LMP message (a capability-like reference).
 */
public enum FrameTransfer
{
    /** The receiver gets a read-only mapping; the sender keeps ownership. */
    SHARE_READ,
    /** The receiver gets a read-write mapping; the sender keeps ownership. */
    SHARE_READ_WRITE,
    /** Ownership moves to the receiver, which gets a read-write mapping; the sender must hold no mapping of it. */
    TRANSFER
}
