package io.barge.fbufs;

/**
 * What a receiver found wrong in an aggregate description a peer controls. The offending part reads as zeros (in
 * volatile mode) or is left out; it is counted as a {@code REJECTED_READS} on the receiver; the receiver goes on
 * (except after {@link #OUTSIDE_TRANSFER}, which breaks the protocol itself).
 */
public enum Violation
{
    /** Nothing wrong. */
    NONE,
    /** A node or data pointer outside the fbuf region, or a node not aligned to its size. */
    POINTER_OUTSIDE_REGION,
    /** A negative length. */
    NEGATIVE_LENGTH,
    /** A pointer plus length that overflows or runs off the region's end. */
    LENGTH_OVERFLOW,
    /** A pair whose child is one of its own ancestors. */
    CYCLE,
    /** A path from the root longer than the depth limit. */
    TOO_DEEP,
    /** More node reads than the node limit. */
    TOO_MANY_NODES,
    /** Pieces adding up to more than the channel's largest message. */
    TOO_LONG,
    /** A node type that is neither leaf nor pair. */
    BAD_NODE_TYPE,
    /** A node the receiver has no mapping for. */
    UNREADABLE_NODE,
    /** A piece-list notification with an impossible piece count. */
    BAD_PIECE_COUNT,
    /**
     * A node or piece inside the region but outside every fbuf transferred with the message (another path's fbuf, or
     * one the sender still writes): a protocol violation; the message is not delivered and the channel is torn down.
     */
    OUTSIDE_TRANSFER
}
