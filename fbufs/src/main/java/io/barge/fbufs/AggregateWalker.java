package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.barge.core.CounterType;
import io.barge.core.ProtectionFault;

import static io.barge.fbufs.AggregateDescriptor.LEAF;
import static io.barge.fbufs.AggregateDescriptor.LEFT_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.LENGTH_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.NODE_LENGTH;
import static io.barge.fbufs.AggregateDescriptor.PAIR;
import static io.barge.fbufs.AggregateDescriptor.RIGHT_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.TYPE_OFFSET;

/**
 * A receiver's defensive reader of aggregate descriptions that a peer controls (volatile fbufs, seed 004
 * optimisation 4): every node is read once into locals, validated, then used, so a sender rewriting a node while
 * the receiver walks it can change what the receiver sees but never make it see two values of one field.
 * <p>
 * Rules: every node lies inside the fbuf region and is node aligned; every data piece lies inside the region, with a
 * non-negative length and no overflow; every node and piece lies inside one of the fbufs the kernel's in-flight record
 * says were transferred with the message (so a sender cannot pass off another path's fbuf, or one it can still
 * write, as part of its message); no pair has an ancestor as a child (no cycle); paths are at most
 * {@link #MAX_DEPTH} deep; at most {@link #MAX_NODES} nodes are read; pieces add up to at most the channel's largest
 * message. A broken rule is counted ({@code REJECTED_READS}), remembered as {@link #violation()}, and the offending
 * part yields zeros (a zero piece at {@link #zeroAddress(AddressSpace)}, past the end of every address space, when
 * {@code zeroOnFault}) or is left out.
 * The walk always ends: its work is bounded by the node limit. Domain-local and reused; not thread safe.
 */
final class AggregateWalker
{
    /** Deepest path from the root. */
    static final int MAX_DEPTH = 32;
    /** Most node reads per aggregate. */
    static final int MAX_NODES = 512;

    /** Called after each node is read and before it is used; lets a test rewrite nodes mid-walk deterministically. */
    interface Hook
    {
        /**
         * @param nodeAddress the node just read.
         */
        void afterNodeRead(long nodeAddress);
    }

    private final FbufRegion region;
    private final AddressSpace space;
    private final long[] ancestors = new long[MAX_DEPTH];
    // The transferred fbufs' ranges [start, end), from the kernel's trusted record.
    private final long[] transferStart = new long[InFlightRing.MAX_HANDLES];
    private final long[] transferEnd = new long[InFlightRing.MAX_HANDLES];
    private int transferCount;
    private boolean outsideTransfer;
    private Hook hook;
    private PieceList out;
    private long maxLength;
    private boolean zeroOnFault;
    private int nodesRead;
    private Violation violation = Violation.NONE;
    private int violations;

    AggregateWalker(final FbufRegion region, final AddressSpace space)
    {
        this.region = region;
        this.space = space;
    }

    /**
     * @param space an address space.
     * @return the first address past its end: every read there faults, so a rejected piece reads as zeros.
     */
    static long zeroAddress(final AddressSpace space)
    {
        return (long)space.maxPages() * space.pageSize();
    }

    void hook(final Hook hook)
    {
        this.hook = hook;
    }

    /**
     * Sets the fbufs the next walk may point into: the handles the kernel's in-flight record passed with the
     * message (trusted, and held by the receiver, so their ranges cannot change during the walk).
     *
     * @param handles the transferred fbufs.
     * @param count   how many.
     */
    void transferred(final long[] handles, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            transferStart[i] = region.address(handles[i]);
            transferEnd[i] = transferStart[i] + region.capacity(handles[i]);
        }
        transferCount = count;
    }

    /**
     * @return whether the last walk found a node or piece outside every transferred fbuf (a protocol violation,
     *         not a volatile sender's race: the receiver must not deliver the message).
     */
    boolean outsideTransfer()
    {
        return outsideTransfer;
    }

    /**
     * Walks a node graph from its root.
     *
     * @param root        root node address, as the peer sent it.
     * @param maxLength   largest total.
     * @param zeroOnFault whether rejected data becomes a zero piece (volatile) or is left out.
     * @param out         receives the validated pieces, in order.
     * @return violations found (0 if the aggregate was sound).
     */
    int walk(final long root, final int maxLength, final boolean zeroOnFault, final PieceList out)
    {
        begin(maxLength, zeroOnFault, out);
        node(root, 0);
        return violations;
    }

    /**
     * Validates an inline piece list copied out of a notification.
     *
     * @param offsets     region offsets as the peer sent them.
     * @param lengths     lengths as the peer sent them.
     * @param count       pieces, as the peer sent it.
     * @param maxLength   largest total.
     * @param zeroOnFault whether rejected data becomes a zero piece or is left out.
     * @param out         receives the validated pieces.
     * @return violations found.
     */
    int pieces(final int[] offsets, final int[] lengths, final int count, final int maxLength,
        final boolean zeroOnFault, final PieceList out)
    {
        begin(maxLength, zeroOnFault, out);
        if (count < 0 || count > offsets.length)
        {
            reject(Violation.BAD_PIECE_COUNT);
            return violations;
        }
        for (int i = 0; i < count; i++)
        {
            // Offsets are unsigned 32-bit values from the region base.
            leaf(region.base() + (offsets[i] & 0xFFFF_FFFFL), lengths[i]);
        }
        return violations;
    }

    /**
     * @return the last violation of the last walk, or {@link Violation#NONE}.
     */
    Violation violation()
    {
        return violation;
    }

    private void begin(final int maxLength, final boolean zeroOnFault, final PieceList out)
    {
        this.out = out;
        this.maxLength = maxLength;
        this.zeroOnFault = zeroOnFault;
        this.nodesRead = 0;
        this.violations = 0;
        this.violation = Violation.NONE;
        this.outsideTransfer = false;
        out.clear();
    }

    private void node(final long address, final int depth)
    {
        if (depth >= MAX_DEPTH)
        {
            reject(Violation.TOO_DEEP);
            return;
        }
        if (nodesRead >= MAX_NODES)
        {
            reject(Violation.TOO_MANY_NODES);
            return;
        }
        if ((address & (NODE_LENGTH - 1)) != 0 || !region.contains(address, NODE_LENGTH))
        {
            reject(Violation.POINTER_OUTSIDE_REGION);
            return;
        }
        if (!insideTransfer(address, NODE_LENGTH))
        {
            rejectOutsideTransfer();
            return;
        }
        for (int i = 0; i < depth; i++)
        {
            if (ancestors[i] == address)
            {
                reject(Violation.CYCLE);
                return;
            }
        }
        nodesRead++;
        final int type;
        final int length;
        final long left;
        final long right;
        try
        {
            // The one read of each field: everything below uses these locals only.
            type = space.getInt(address + TYPE_OFFSET);
            length = space.getInt(address + LENGTH_OFFSET);
            left = space.getLong(address + LEFT_OFFSET);
            right = space.getLong(address + RIGHT_OFFSET);
        }
        catch (final ProtectionFault fault)
        {
            reject(Violation.UNREADABLE_NODE);
            return;
        }
        if (hook != null)
        {
            hook.afterNodeRead(address);
        }
        if (type == LEAF)
        {
            leaf(left, length);
        }
        else if (type == PAIR)
        {
            ancestors[depth] = address;
            node(left, depth + 1);
            node(right, depth + 1);
        }
        else
        {
            reject(Violation.BAD_NODE_TYPE);
        }
    }

    private void leaf(final long address, final int length)
    {
        if (length < 0)
        {
            reject(Violation.NEGATIVE_LENGTH);
            return;
        }
        if (out.totalLength + length > maxLength)
        {
            reject(Violation.TOO_LONG);
            return;
        }
        if (address < region.base() || address >= region.base() + region.length())
        {
            rejectData(Violation.POINTER_OUTSIDE_REGION, length);
            return;
        }
        if (!region.contains(address, length))
        {
            rejectData(Violation.LENGTH_OVERFLOW, length);
            return;
        }
        if (!insideTransfer(address, length))
        {
            rejectOutsideTransfer();
            return;
        }
        out.add(address, length);
    }

    /** The range is inside the region (checked before): no overflow below. */
    private boolean insideTransfer(final long address, final int length)
    {
        for (int i = 0; i < transferCount; i++)
        {
            if (address >= transferStart[i] && address + length <= transferEnd[i])
            {
                return true;
            }
        }
        return false;
    }

    private void rejectOutsideTransfer()
    {
        outsideTransfer = true;
        reject(Violation.OUTSIDE_TRANSFER);
    }

    private void rejectData(final Violation kind, final int length)
    {
        reject(kind);
        if (zeroOnFault && length > 0)
        {
            out.add(zeroAddress(space), length);
        }
    }

    private void reject(final Violation kind)
    {
        violation = kind;
        violations++;
        space.domain().count(CounterType.REJECTED_READS, 1);
    }
}
