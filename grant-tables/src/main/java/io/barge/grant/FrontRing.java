package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.EventIndex;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;

/**
 * The frontend's side of a shared descriptor ring ({@link SharedRingDescriptor}; Xen's {@code FRONT_RING}): it
 * writes requests into claimed slots, publishes them, and consumes the backend's responses. Private state
 * {@code req_prod_pvt} and {@code rsp_cons} lives here, never in shared memory. The request and response formats are
 * the ring user's: a slot is {@link #slotLength()} bytes at the offset {@link #claimRequest()} returns.
 * <p>
 * The backend is untrusted: an {@code rsp_prod} that claims responses to requests never made breaks this ring (a
 * {@link ProtocolViolationException}, counted on the owner; every later call throws too) and nothing else.
 * Single-threaded: one thread drives a front ring. Hot paths allocate nothing.
 */
public final class FrontRing
{
    /** Pushes between additions of their notification counts to the owner's counters. */
    public static final int COUNT_BATCH = 64;

    /** {@link #claimRequest()}: no free slot. */
    public static final int RING_FULL = -1;

    private final Domain owner;
    /**
     * Sent and suppressed notifications, added to the domain's counters every {@link #COUNT_BATCH} pushes, at each
     * final check (the ring going idle) and on {@link #publishCounts()}: each addition is an atomic add on a shared
     * word, about 7 % of the xen NIC path's CPU samples when done per push (UMP's senders batch theirs the same way).
     */
    private final EventIndex.Counts counts;
    private final AtomicBuffer ring;
    private final int size;
    private final int mask;
    private final int slotLength;
    private int reqProdPvt;
    private int reqProdPushed;
    private int rspCons;
    private String broken;

    /**
     * Initialises the shared pages ({@code SHARED_RING_INIT} and {@code FRONT_RING_INIT}).
     *
     * @param owner      the frontend's domain (counted on).
     * @param ring       the shared memory, mapped writable in the frontend.
     * @param slotLength bytes per slot: the larger of the user's request and response.
     */
    public FrontRing(final Domain owner, final AtomicBuffer ring, final int slotLength)
    {
        this.owner = owner;
        this.counts = new EventIndex.Counts(owner, COUNT_BATCH);
        this.ring = ring;
        this.size = SharedRingDescriptor.slotCount(ring.capacity(), slotLength);
        this.mask = size - 1;
        this.slotLength = slotLength;
        SharedRingDescriptor.init(ring, size, slotLength);
    }

    /**
     * @return slots in the ring.
     */
    public int size()
    {
        return size;
    }

    /**
     * @return bytes per slot.
     */
    public int slotLength()
    {
        return slotLength;
    }

    /**
     * @return the shared memory; write a request at an offset {@link #claimRequest()} returned.
     */
    public AtomicBuffer buffer()
    {
        return ring;
    }

    /**
     * @return requests that can be claimed before the ring is full ({@code RING_FREE_REQUESTS}).
     */
    public int freeRequests()
    {
        return size - (reqProdPvt - rspCons);
    }

    /**
     * Claims the next request slot; the request becomes visible at {@link #pushRequestsAndCheckNotify()}.
     *
     * @return the slot's offset in {@link #buffer()}, or {@link #RING_FULL}.
     */
    public int claimRequest()
    {
        checkNotBroken();
        if (reqProdPvt - rspCons == size)
        {
            return RING_FULL;
        }
        return SharedRingDescriptor.slotOffset(reqProdPvt++, mask, slotLength);
    }

    /**
     * Publishes the claimed requests ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}). A push that need not notify is
     * counted as a suppressed notification, one that notifies as a sent one (the event channel counts nothing).
     *
     * @return whether the backend asked to be notified (its req_event was passed): send the event if so.
     */
    public boolean pushRequestsAndCheckNotify()
    {
        checkNotBroken();
        final int old = reqProdPushed;
        final int now = reqProdPvt;
        if (old == now)
        {
            return false;
        }
        // Release: the backend that reads this req_prod (acquire) sees every request slot written before it.
        SharedRingDescriptor.reqProdRelease(ring, now);
        reqProdPushed = now;
        // StoreLoad: req_prod must be visible before req_event is read; pairs with the backend's fence in
        // finalCheckForRequests (it writes req_event, fences, re-reads req_prod), so one of us sees the other.
        VarHandle.fullFence();
        return counts.record(EventIndex.crossed(old, now, SharedRingDescriptor.reqEventVolatile(ring)));
    }

    /**
     * @return responses published and not yet consumed ({@code RING_HAS_UNCONSUMED_RESPONSES}).
     * @throws ProtocolViolationException if rsp_prod claims responses to requests never pushed.
     */
    public int unconsumedResponses()
    {
        checkNotBroken();
        // Acquire: the response slots before rsp_prod are visible once it is.
        final int rspProd = SharedRingDescriptor.rspProdVolatile(ring);
        final int ahead = rspProd - rspCons;
        if (ahead < 0 || ahead > reqProdPushed - rspCons)
        {
            breakRing("rsp_prod=" + rspProd + " with rsp_cons=" + rspCons + " and req_prod=" + reqProdPushed +
                ": more responses than requests outstanding");
        }
        return ahead;
    }

    /**
     * Copies the next response once into private memory and consumes its slot; validate the copy, not the slot.
     *
     * @param dst      private memory, {@link #slotLength()} bytes at {@code dstIndex}.
     * @param dstIndex where in it.
     * @return false if no response is waiting.
     * @throws ProtocolViolationException if rsp_prod is impossible.
     */
    public boolean copyNextResponse(final MutableDirectBuffer dst, final int dstIndex)
    {
        return copyNextResponse(dst, dstIndex, slotLength);
    }

    /**
     * Copies the first {@code length} bytes of the next response once into private memory and consumes its slot:
     * for responses shorter than the slot (a request's slot is the larger); read no more of the copy than that.
     *
     * @param dst      private memory, {@code length} bytes at {@code dstIndex}.
     * @param dstIndex where in it.
     * @param length   bytes of a response, a multiple of 8, at most {@link #slotLength()}.
     * @return false if no response is waiting.
     * @throws ProtocolViolationException if rsp_prod is impossible.
     */
    public boolean copyNextResponse(final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        if (unconsumedResponses() == 0)
        {
            return false;
        }
        SharedRingDescriptor.copySlot(ring, SharedRingDescriptor.slotOffset(rspCons, mask, slotLength), dst, dstIndex,
            Math.min(length, slotLength));
        rspCons++;
        return true;
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: before going idle, asks to be notified of the next response and
     * checks once more, so a response published meanwhile is not missed.
     *
     * @return whether responses are waiting (consume them rather than sleep).
     */
    public boolean finalCheckForResponses()
    {
        counts.flush(); // going idle: the domain's notification counters catch up here
        if (unconsumedResponses() > 0)
        {
            return true;
        }
        SharedRingDescriptor.rspEventRelease(ring, rspCons + 1);
        // StoreLoad: rsp_event must be visible before rsp_prod is re-read; pairs with the fence in the backend's
        // pushResponsesAndCheckNotify between its rsp_prod store and its rsp_event load.
        VarHandle.fullFence();
        return unconsumedResponses() > 0;
    }

    /**
     * @return whether the backend broke this ring.
     */
    public boolean isBroken()
    {
        return broken != null;
    }

    /**
     * Adds the notifications counted since the last addition to the owner domain's counters; on this ring's
     * thread, for a reader that needs them exact.
     */
    public void publishCounts()
    {
        counts.flush();
    }

    private void breakRing(final String why)
    {
        broken = why;
        owner.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        throw new ProtocolViolationException("front ring of " + owner + ": " + why);
    }

    private void checkNotBroken()
    {
        if (broken != null)
        {
            throw new ProtocolViolationException("front ring of " + owner + " is broken: " + broken);
        }
    }
}
