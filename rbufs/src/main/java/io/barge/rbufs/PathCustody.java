package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;

/**
 * One path receiver's private record of the regions of the path's data area it was given ({@link RbufsPath}): per
 * slot FREE, HELD (delivered here, not given back) or FORWARDED (handed on to the next hop, not come back yet), with
 * the length it was delivered with. Everything a peer names is checked against it; nothing in it is shared.
 */
final class PathCustody
{
    static final byte FREE = 0;
    static final byte HELD = 1;
    static final byte FORWARDED = 2;

    private final Domain domain;
    private final long pathLength;
    private final int slotSize;
    private final SlotIndex slots;
    private final byte[] state;
    private final int[] length;

    /**
     * @param domain     the receiving domain, where refusals are counted.
     * @param pathLength bytes of the path's data area that records name.
     * @param slotSize   bytes per slot.
     */
    PathCustody(final Domain domain, final long pathLength, final int slotSize)
    {
        this.domain = domain;
        this.pathLength = pathLength;
        this.slotSize = slotSize;
        this.slots = new SlotIndex(slotSize);
        this.state = new byte[(int)(pathLength / slotSize)];
        this.length = new int[state.length];
    }

    /**
     * Checks the path pairs of a record the receiver read (its own-area pairs, at or past the path area's length,
     * are left to it): each must be one slot's start, no longer than a slot, named once in the record, and FREE here
     * (a region sent again while held or out is refused). Only then are they all taken as HELD.
     *
     * @param rec the private copy of the record, its pairs inside the channel's offsets.
     * @return whether the record is acceptable.
     */
    boolean take(final IoRec rec)
    {
        final int count = rec.count;
        final long[] bases = rec.bases;
        final long[] lengths = rec.lengths;
        for (int i = 0; i < count; i++)
        {
            final long base = bases[i];
            if (base >= pathLength)
            {
                continue;
            }
            if (lengths[i] > pathLength - base || !slots.isStart(base) || lengths[i] > slotSize ||
                state[(int)slots.slot(base)] != FREE)
            {
                return false;
            }
            for (int j = 0; j < i; j++)
            {
                if (bases[j] == base)
                {
                    return false;
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (bases[i] < pathLength)
            {
                final int slot = (int)slots.slot(bases[i]);
                state[slot] = HELD;
                length[slot] = (int)lengths[i];
            }
        }
        return true;
    }

    /**
     * A release: the region becomes FREE if it is held as delivered; otherwise (an altered message flyweight) nothing
     * changes and the release of it is counted as a violation.
     *
     * @return whether it was held as delivered (and is to go upstream).
     */
    boolean release(final long base, final int pieceLength)
    {
        final int slot = (int)slots.slot(base);
        if (!slots.isStart(base) || state[slot] != HELD || length[slot] != pieceLength)
        {
            domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
            return false;
        }
        state[slot] = FREE;
        return true;
    }

    /**
     * Checks a forward of a piece in the path's area: it must be a HELD region with the base and length it was
     * delivered with.
     *
     * @param offset      the piece's offset in the path's area, in [0, path area length).
     * @param pieceLength its length.
     * @throws ForwardRefusedException otherwise (counted).
     */
    void checkForward(final long offset, final int pieceLength)
    {
        final int slot = (int)slots.slot(offset);
        final ForwardRefusedException.Reason refused;
        if (state[slot] == FREE)
        {
            refused = ForwardRefusedException.Reason.NOT_HELD;
        }
        else if (state[slot] == FORWARDED)
        {
            refused = ForwardRefusedException.Reason.FORWARDED_TWICE;
        }
        else if (!slots.isStart(offset) || length[slot] != pieceLength)
        {
            refused = ForwardRefusedException.Reason.ALTERED;
        }
        else
        {
            return;
        }
        domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        throw new ForwardRefusedException(refused, "rbufs forward: " + refused + ": region base=" + offset +
            " length=" + pieceLength + " of the path's data area; this domain holds slot " + slot + " as " +
            (state[slot] == FREE ? "not held" : state[slot] == HELD ? "held with length=" + length[slot] :
            "forwarded with length=" + length[slot]));
    }

    /**
     * @param offset a region {@link #checkForward} accepted, now handed on.
     */
    void handedOn(final long offset)
    {
        state[(int)slots.slot(offset)] = FORWARDED;
    }

    /**
     * A return of a forwarded region from the next hop: accepted if this end handed exactly that region on and has
     * not had it back.
     *
     * @return whether it was; if not, nothing changes.
     */
    boolean takeBack(final long base, final long pieceLength)
    {
        if (base < 0 || base >= pathLength || !slots.isStart(base))
        {
            return false;
        }
        final int slot = (int)slots.slot(base);
        if (state[slot] != FORWARDED || length[slot] != pieceLength)
        {
            return false;
        }
        state[slot] = FREE;
        return true;
    }

    /**
     * @param slot a slot.
     * @return whether it is FORWARDED.
     */
    boolean isForwarded(final int slot)
    {
        return state[slot] == FORWARDED;
    }

    /**
     * Makes a FORWARDED slot FREE (its region is given back for the hop after, which closed).
     *
     * @param slot a FORWARDED slot.
     * @return the length it was delivered with.
     */
    int orphan(final int slot)
    {
        state[slot] = FREE;
        return length[slot];
    }

    /**
     * @return slots of the path's area.
     */
    int slots()
    {
        return state.length;
    }

    /**
     * @param slot a slot.
     * @return whether it is held or forwarded.
     */
    boolean inCustody(final int slot)
    {
        return state[slot] != FREE;
    }
}
