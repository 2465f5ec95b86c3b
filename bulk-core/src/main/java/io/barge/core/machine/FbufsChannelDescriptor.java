package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of an fbufs channel between client processes ({@link ProcessChannelDescriptor#KIND_FBUFS}), in the run of
 * frames the kernel allocated for it: a region of fbufs owned by the channel's I/O path (the sender originates,
 * the receiver reads), a transmit ring carrying aggregate references (the root node's offset in the region) and a
 * return ring by which the receiver frees the fbufs back to the sender's cached free list. The fbufs stay mapped in
 * both processes for the channel's life (cached fbufs), the sender keeps its write right on those it sent (volatile
 * fbufs) and the aggregate's nodes are stored in the fbufs themselves, so that only the root crosses (integrated
 * buffer management): the seed's three optimisations, all on. Protection raising on send and per-send mapping need a
 * kernel on the data path, which a channel between processes does not have, so the non-volatile and uncached modes
 * are the in-process transport's only.
 * <p>
 * Region, {@code frameCount} frames:
 * <pre>
 *   +------------------------------+ 0
 *   |  Header (the first frame)    |  {@link ProcessChannelDescriptor}'s: identity, the ends' counters
 *   +------------------------------+ frameSize
 *   |  Control area                |  {@link RbufsChannelDescriptor}'s: indices, the transmit ring, the return
 *   |                              |  ring, of 16-byte records; whole frames
 *   +------------------------------+ frameSize * (1 + controlFrames)
 *   |  Fbuf region                 |  runs * fbufsPerRun fbufs of one frame each; the receiver maps it
 *   |    run 0: fbufsPerRun fbufs  |  read-only
 *   |    run 1 ...                 |
 *   +------------------------------+ frameSize * (1 + controlFrames) + capacity
 * </pre>
 * An fbuf is one frame. A message takes the first {@link #fbufsFor} fbufs of one run: its bytes from the run's
 * start, contiguous (a claim is one writable view), then its nodes, with room reserved for a balanced tree of a leaf
 * per fbuf. A run holds the longest message with its nodes, and there are {@code capacity} runs, so that capacity
 * counts messages exactly and no claim ever fails for fragmentation: the restriction, against in-process fbufs, is
 * that a message's fbufs are consecutive ones of one run. Since they are consecutive, a leaf may span several of
 * them (a multi-page fbuf, as the fbufs paper allows): the SPI's sender writes one leaf over a message's bytes, as the
 * in-process sender writes a leaf per piece, and a receiver accepts any aggregate within the rules below.
 * <p>
 * Transmit record (the IOrec of {@link RbufsChannelDescriptor}, its reserved word the root):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |              Run, its first fbuf's region offset (32)[SENDER] |  0, a multiple of the run's bytes
 *  +---------------------------------------------------------------+
 *  |                  Message length (32)                 [SENDER] |  4, 1..maxMessageLength: the leaves' sum
 *  +---------------------------------------------------------------+
 *  |                     Flags, DATA (32)                 [SENDER] |  8
 *  +---------------------------------------------------------------+
 *  |               Root node's region offset (32)         [SENDER] |  12
 *  +---------------------------------------------------------------+
 * </pre>
 * Return record: {run, message length, FREE, 0}, written by the receiver: "the fbufs of this run that the message
 * of this length took are free again".
 * <p>
 * Aggregate node, {@link #NODE_LENGTH} bytes at a multiple of it, inside one of the message's fbufs; offsets are the
 * region's, never addresses, so that each process maps the region where it likes:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   Type, LEAF or PAIR (32)            [SENDER] |  0
 *  +---------------------------------------------------------------+
 *  |          Length (32): a leaf's bytes; a pair's 0     [SENDER] |  4
 *  +---------------------------------------------------------------+
 *  |     Leaf: its bytes' region offset; pair: left node (32)      |  8 [SENDER]
 *  +---------------------------------------------------------------+
 *  |           Pair: right node's region offset (32)      [SENDER] |  12
 *  +---------------------------------------------------------------+
 * </pre>
 * Transmit and return: {@link RbufsChannelDescriptor}'s protocol, step for step (the sender writes the message's
 * bytes, then its nodes, with plain stores before the transmit producer index's release, which publishes them).
 * <p>
 * Receive (volatile: the sender can still write every byte the receiver reads): the record is copied once and
 * checked as an Rbufs IOrec (a run's start, DATA, length in range); then the aggregate is walked from the root, each
 * node's four words copied once into locals and then checked: inside the message's fbufs ({@link #fbufsFor} of its
 * length, from its run's start) and aligned; no node its own ancestor (no cycle); at most {@link #MAX_DEPTH} deep;
 * at most {@link #maxNodeReads} node reads; a leaf's bytes non-empty and inside the message's fbufs; the leaves'
 * sum the record's length. Any failure breaks the channel (the SPI's
 * {@link io.barge.core.ProtocolViolationException}): unlike in-process volatile fbufs, which read a bad piece as
 * zeros, a process channel's receiver does not deliver what it cannot trust. Adjacent leaves are delivered as one
 * piece.
 */
public final class FbufsChannelDescriptor
{
    /** Offset of the root node in a transmit record (the IOrec's reserved word). */
    public static final int ROOT_OFFSET = 12;

    /** Bytes of an aggregate node; nodes start at multiples of it. */
    public static final int NODE_LENGTH = 16;
    /** Offset of a node's type. */
    public static final int NODE_TYPE_OFFSET = 0;
    /** Offset of a node's length (a leaf's bytes). */
    public static final int NODE_BYTES_OFFSET = 4;
    /** Offset of a leaf's data offset, or a pair's left node. */
    public static final int NODE_LEFT_OFFSET = 8;
    /** Offset of a pair's right node. */
    public static final int NODE_RIGHT_OFFSET = 12;
    /** Node type: a leaf, one piece of data. */
    public static final int LEAF = 1;
    /** Node type: a pair, the concatenation of its left and right sub-aggregates. */
    public static final int PAIR = 2;
    /** Deepest node below the root a receiver follows (a balanced tree of a 1 MiB message is 10 deep). */
    public static final int MAX_DEPTH = 32;

    /** Fewest runs a channel has. */
    public static final int MIN_RUNS = 2;
    /** Most runs a channel has (its rings' slots). */
    public static final int MAX_RUNS = RbufsChannelDescriptor.MAX_BUFFERS;
    /** Largest fbuf region. */
    public static final int MAX_CAPACITY = RbufsChannelDescriptor.MAX_CAPACITY;

    private FbufsChannelDescriptor()
    {
    }

    /**
     * @param length   a message's length, at least 1.
     * @param fbufSize bytes of an fbuf (a frame).
     * @return fbufs holding its bytes.
     */
    public static int dataFbufs(final int length, final int fbufSize)
    {
        return (length + fbufSize - 1) / fbufSize;
    }

    /**
     * @param length a message's length.
     * @return offset, from its run's start, of its first node: past its bytes, aligned.
     */
    public static int nodeAreaOffset(final int length)
    {
        return BitUtil.align(length, NODE_LENGTH);
    }

    /**
     * @param length   a message's length, at least 1.
     * @param fbufSize bytes of an fbuf.
     * @return fbufs the message takes from its run's start: its bytes, then its balanced tree of
     *         {@code 2 * dataFbufs - 1} nodes.
     */
    public static int fbufsFor(final int length, final int fbufSize)
    {
        final long bytes = nodeAreaOffset(length) + (2L * dataFbufs(length, fbufSize) - 1) * NODE_LENGTH;
        return (int)((bytes + fbufSize - 1) / fbufSize);
    }

    /**
     * @param maxMessageLength longest message.
     * @param fbufSize         bytes of an fbuf.
     * @return bytes from one run's start to the next: the fbufs of the longest message.
     */
    public static int stride(final int maxMessageLength, final int fbufSize)
    {
        return fbufsFor(maxMessageLength, fbufSize) * fbufSize;
    }

    /**
     * @param fbufs a message's fbufs.
     * @return most node reads its walk makes: a tree with a leaf per fbuf has {@code 2 * fbufs - 1} nodes.
     */
    public static int maxNodeReads(final int fbufs)
    {
        return 2 * fbufs;
    }

    /**
     * @param capacity         fbuf-region bytes.
     * @param maxMessageLength longest message.
     * @param frameSize        the memory's frame size: an fbuf's.
     * @return null if an fbufs channel may have these sizes, else the broken rule with values.
     */
    public static String checkSizes(final int capacity, final int maxMessageLength, final int frameSize)
    {
        if (maxMessageLength < 1 || maxMessageLength > ProcessChannelDescriptor.MAX_MESSAGE_LENGTH)
        {
            return "maxMessageLength=" + maxMessageLength + " must be in [1, " +
                ProcessChannelDescriptor.MAX_MESSAGE_LENGTH + "]";
        }
        final int stride = stride(maxMessageLength, frameSize);
        if (capacity < stride || capacity > MAX_CAPACITY || capacity % stride != 0)
        {
            return "capacity=" + capacity + " must be a multiple of the run's " + stride + " bytes (maxMessageLength=" +
                maxMessageLength + " with its nodes, in fbufs of " + frameSize + ") at most " + MAX_CAPACITY;
        }
        final int runs = capacity / stride;
        if (runs < MIN_RUNS || runs > MAX_RUNS)
        {
            return "capacity=" + capacity + " holds " + runs + " runs of " + stride + " bytes, not in [" + MIN_RUNS +
                ", " + MAX_RUNS + "]";
        }
        return null;
    }

    /**
     * @param capacity         checked fbuf-region bytes.
     * @param maxMessageLength checked longest message.
     * @param frameSize        the memory's frame size.
     * @return frames the channel takes: header, control area, fbuf region.
     */
    public static int frameCount(final int capacity, final int maxMessageLength, final int frameSize)
    {
        final int runs = capacity / stride(maxMessageLength, frameSize);
        return 1 + RbufsChannelDescriptor.controlFrames(RbufsChannelDescriptor.slots(runs), frameSize) +
            capacity / frameSize;
    }

    /**
     * Writes a node with plain stores (the transmit producer index, released after, publishes it).
     *
     * @param region the fbuf region.
     * @param node   the node's region offset.
     * @param type   {@link #LEAF} or {@link #PAIR}.
     * @param bytes  a leaf's length, or 0.
     * @param left   a leaf's data offset, or a pair's left node.
     * @param right  a pair's right node, or 0.
     */
    public static void putNode(final AtomicBuffer region, final int node, final int type, final int bytes,
        final int left, final int right)
    {
        region.putInt(node + NODE_TYPE_OFFSET, type);
        region.putInt(node + NODE_BYTES_OFFSET, bytes);
        region.putInt(node + NODE_LEFT_OFFSET, left);
        region.putInt(node + NODE_RIGHT_OFFSET, right);
    }
}
