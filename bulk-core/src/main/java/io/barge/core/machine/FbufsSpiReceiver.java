package io.barge.core.machine;

import io.barge.core.transport.Message;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.concurrent.AtomicBuffer;

import static io.barge.core.machine.FbufsChannelDescriptor.*;

/**
 * The transport SPI's {@link io.barge.core.transport.Receiver} over an fbufs channel between processes
 * ({@link ProcessTransport}, {@link FbufsChannelDescriptor}): each message is the aggregate whose root the transmit
 * record names, its leaves read-only views of the fbufs in place (zero copy; adjacent leaves one piece), held until
 * release, which frees its run back to the sender on the return ring. The fbufs are volatile: the sender can still
 * write every node while this end walks them, so each node is copied once into locals, checked
 * ({@link FbufsChannelDescriptor}'s rules: inside the message's fbufs, aligned, no cycle, bounded depth and node
 * reads, each leaf inside them, the leaves' sum the record's length), and only then used; a broken rule breaks
 * this channel alone ({@link io.barge.core.ProtocolViolationException}). The bytes themselves the sender can still
 * change: a receiver that must trust them copies them first. Polling, release, end of stream and a peer gone are
 * the Rbufs receiver's ({@link RbufsSpiReceiver}), over the same control area. One thread; allocates nothing per
 * message.
 */
final class FbufsSpiReceiver extends RbufsSpiReceiver
{
    private final int fbufSize;
    private final int[] ancestors = new int[MAX_DEPTH];
    private final int[] pieceOffsets;
    private final int[] pieceLengths;
    private int pieceCount;
    private int total;
    private int nodeReads;
    private int nodeLimit;
    private int low;
    private int high;
    /** The first broken rule of the walk, or null. */
    private String violation;

    FbufsSpiReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int fbufSize)
    {
        super(client, channel, views, channelTable, spi, stride(channel.maxMessageLength, fbufSize));
        this.fbufSize = fbufSize;
        final int most = maxNodeReads(stride / fbufSize);
        this.pieceOffsets = new int[most];
        this.pieceLengths = new int[most];
    }

    /**
     * Walks the aggregate from the root, into this end's piece list.
     *
     * @throws io.barge.core.ProtocolViolationException if it breaks a rule.
     */
    @Override
    void checkDescription(final long record, final int base, final int length, final int root)
    {
        if (length < 1)
        {
            throw breaks("transmit record " + record + " has length=" + length + ": an fbufs message has a leaf");
        }
        final int fbufs = fbufsFor(length, fbufSize);
        low = base;
        high = base + fbufs * fbufSize; // inside the run: length <= maxMessageLength was checked
        nodeLimit = maxNodeReads(fbufs);
        nodeReads = 0;
        pieceCount = 0;
        total = 0;
        violation = null;
        node(root, 0, length);
        if (violation == null && total != length)
        {
            violation = "its leaves add up to " + total + " bytes";
        }
        if (violation != null)
        {
            throw breaks("transmit record " + record + " {run offset=" + base + " length=" + length + " root=" +
                root + "}: " + violation + " (an aggregate stays inside the message's " + fbufs + " fbufs [" + low +
                ", " + high + "), node aligned, acyclic, at most " + MAX_DEPTH + " deep and " + nodeLimit +
                " node reads, each leaf non-empty inside them, the leaves adding up to the length)");
        }
    }

    @Override
    void addPieces(final Message into, final int base, final int length)
    {
        final long start = spi().base;
        for (int i = 0; i < pieceCount; i++)
        {
            Flyweights.addPiece(into, start + pieceOffsets[i], pieceLengths[i]);
        }
    }

    private void node(final int offset, final int depth, final int length)
    {
        if (violation != null)
        {
            return;
        }
        if (offset < low || offset > high - NODE_LENGTH || (offset & (NODE_LENGTH - 1)) != 0)
        {
            violation = "node " + offset + " is outside the message's fbufs or not aligned to " + NODE_LENGTH;
            return;
        }
        if (depth >= MAX_DEPTH || ++nodeReads > nodeLimit)
        {
            violation = "node " + offset + " is " + depth + " deep, read " + nodeReads + " of at most " + nodeLimit;
            return;
        }
        for (int i = 0; i < depth; i++)
        {
            if (ancestors[i] == offset)
            {
                violation = "node " + offset + " is its own ancestor (a cycle)";
                return;
            }
        }
        // The one read of each word: everything below uses these locals only.
        final int type = data.getInt(offset + NODE_TYPE_OFFSET);
        final int bytes = data.getInt(offset + NODE_BYTES_OFFSET);
        final int left = data.getInt(offset + NODE_LEFT_OFFSET);
        final int right = data.getInt(offset + NODE_RIGHT_OFFSET);
        if (type == LEAF)
        {
            leaf(offset, left, bytes, length);
        }
        else if (type == PAIR)
        {
            ancestors[depth] = offset;
            node(left, depth + 1, length);
            node(right, depth + 1, length);
        }
        else
        {
            violation = "node " + offset + " has type " + type + ", neither LEAF (" + LEAF + ") nor PAIR (" + PAIR +
                ")";
        }
    }

    private void leaf(final int node, final int start, final int bytes, final int length)
    {
        if (bytes < 1 || bytes > length - total)
        {
            violation = "leaf " + node + " has " + bytes + " bytes, with " + total + " of " + length + " before it";
            return;
        }
        // bytes <= length <= maxMessageLength: start + bytes - 1 cannot overflow for a start inside the message.
        // The message's fbufs are consecutive in its run: a leaf may span them (a multi-page fbuf, as in the paper).
        if (start < low || start >= high || bytes > high - start)
        {
            violation = "leaf " + node + " {offset=" + start + " bytes=" + bytes + "} is not inside the message's " +
                "fbufs";
            return;
        }
        total += bytes;
        if (pieceCount > 0 && pieceOffsets[pieceCount - 1] + pieceLengths[pieceCount - 1] == start)
        {
            pieceLengths[pieceCount - 1] += bytes; // adjacent leaves: one piece
            return;
        }
        pieceOffsets[pieceCount] = start;
        pieceLengths[pieceCount++] = bytes;
    }
}
