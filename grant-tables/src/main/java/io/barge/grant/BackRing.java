package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.EventIndex;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;

/**
 * The backend's side of a shared descriptor ring ({@link SharedRingDescriptor}; Xen's {@code BACK_RING}): it copies
 * each request once into private memory (as {@code RING_COPY_REQUEST}) and writes responses into the slots of
 * consumed requests. Private state {@code rsp_prod_pvt} and {@code req_cons} lives here.
 * <p>
 * The frontend is untrusted: the header is read once on attach and checked; a {@code req_prod} more than a ring ahead
 * of the responses ({@code RING_REQUEST_PROD_OVERFLOW}) breaks this ring (a {@link ProtocolViolationException},
 * counted on the owner; every later call throws too) and nothing else. A request rewritten after it was copied
 * changes nothing: the backend acts on its copy. Single-threaded; hot paths allocate nothing.
 */
public final class BackRing
{
    /** Pushes between additions of their notification counts to the owner's counters. */
    public static final int COUNT_BATCH = 64;

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
    private int rspProdPvt;
    private int rspProdPushed;
    private int reqCons;
    private String broken;

    /**
     * Attaches to a ring a frontend initialised ({@code BACK_RING_INIT}).
     *
     * @param owner the backend's domain (counted on).
     * @param ring  the shared memory, mapped writable in the backend.
     * @throws ProtocolViolationException if the header is not a valid ring of this length (counted).
     */
    public BackRing(final Domain owner, final AtomicBuffer ring)
    {
        this.owner = owner;
        this.counts = new EventIndex.Counts(owner, COUNT_BATCH);
        this.ring = ring;
        // Acquire: the header fields below were written before the magic.
        final int magic = SharedRingDescriptor.magicVolatile(ring);
        final int version = SharedRingDescriptor.version(ring);
        final int count = SharedRingDescriptor.slotCountField(ring);
        final int length = SharedRingDescriptor.slotLengthField(ring);
        if (magic != SharedRingDescriptor.MAGIC || version != SharedRingDescriptor.VERSION || length <= 0 ||
            (length & 7) != 0 || count <= 0 || Integer.bitCount(count) != 1 ||
            (long)count * length > ring.capacity() - SharedRingDescriptor.SLOTS_OFFSET)
        {
            owner.count(CounterType.PROTOCOL_VIOLATIONS, 1);
            throw new ProtocolViolationException("ring header magic=0x" + Integer.toHexString(magic) + " version=" +
                version + " slots=" + count + " slotLength=" + length + " is not a ring of " + ring.capacity() +
                " bytes");
        }
        this.size = count;
        this.mask = count - 1;
        this.slotLength = length;
    }

    /**
     * @return slots in the ring (as checked on attach).
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
     * @return the shared memory; write a response at an offset {@link #claimResponse()} returned.
     */
    public AtomicBuffer buffer()
    {
        return ring;
    }

    /**
     * @return requests published and not yet consumed ({@code RING_HAS_UNCONSUMED_REQUESTS}).
     * @throws ProtocolViolationException if req_prod is more than a ring ahead of the responses.
     */
    public int unconsumedRequests()
    {
        checkNotBroken();
        // Acquire: the request slots before req_prod are visible once it is.
        final int reqProd = SharedRingDescriptor.reqProdVolatile(ring);
        if (reqProd - rspProdPvt > size || reqProd - reqCons < 0)
        {
            breakRing("req_prod=" + reqProd + " with req_cons=" + reqCons + " and rsp_prod_pvt=" + rspProdPvt +
                ": more than a ring (" + size + ") ahead");
        }
        return reqProd - reqCons;
    }

    /**
     * Copies the next request once into private memory and consumes it; validate and act on the copy only.
     *
     * @param dst      private memory, {@link #slotLength()} bytes at {@code dstIndex}.
     * @param dstIndex where in it.
     * @return false if no request is waiting.
     * @throws ProtocolViolationException if req_prod is impossible.
     */
    public boolean copyNextRequest(final MutableDirectBuffer dst, final int dstIndex)
    {
        if (unconsumedRequests() == 0)
        {
            return false;
        }
        SharedRingDescriptor.copySlot(ring, SharedRingDescriptor.slotOffset(reqCons, mask, slotLength), dst, dstIndex,
            slotLength);
        reqCons++;
        return true;
    }

    /**
     * Copies the next request once into private memory and consumes it, in two parts: the first
     * {@code headerLength} bytes, then the rest of what {@code length} reads from that copy the request fills
     * (clamped to the slot, rounded up to 8 bytes), so a short request costs its own bytes, not the slot's. Each
     * shared byte is read once; validate and act on the copy only, and read no more of it than was copied.
     *
     * @param dst          private memory, {@link #slotLength()} bytes at {@code dstIndex}.
     * @param dstIndex     where in it.
     * @param headerLength bytes copied first, a multiple of 8, at most the slot.
     * @param length       the request's bytes, from the copied header.
     * @return false if no request is waiting.
     * @throws ProtocolViolationException if req_prod is impossible.
     */
    public boolean copyNextRequest(final MutableDirectBuffer dst, final int dstIndex, final int headerLength,
        final RequestLength length)
    {
        if (unconsumedRequests() == 0)
        {
            return false;
        }
        final int at = SharedRingDescriptor.slotOffset(reqCons, mask, slotLength);
        SharedRingDescriptor.copySlot(ring, at, dst, dstIndex, headerLength);
        final int bytes = length.of(dst, dstIndex);
        final int total = bytes <= headerLength ? headerLength :
            bytes >= slotLength ? slotLength : (bytes + 7) & ~7;
        SharedRingDescriptor.copySlot(ring, at + headerLength, dst, dstIndex + headerLength, total - headerLength);
        reqCons++;
        return true;
    }

    /**
     * Claims the slot for the response to the oldest consumed request not yet answered.
     *
     * @return the slot's offset in {@link #buffer()}.
     * @throws IllegalStateException if every consumed request has its response.
     */
    public int claimResponse()
    {
        checkNotBroken();
        if (rspProdPvt == reqCons)
        {
            throw new IllegalStateException("no consumed request awaits a response (rsp_prod_pvt=req_cons=" + reqCons +
                ")");
        }
        return SharedRingDescriptor.slotOffset(rspProdPvt++, mask, slotLength);
    }

    /**
     * Publishes the claimed responses ({@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}). A push that need not notify
     * is counted as a suppressed notification, one that notifies as a sent one.
     *
     * @return whether the frontend asked to be notified: send the event if so.
     */
    public boolean pushResponsesAndCheckNotify()
    {
        checkNotBroken();
        final int old = rspProdPushed;
        final int now = rspProdPvt;
        if (old == now)
        {
            return false;
        }
        // Release: the frontend that reads this rsp_prod (acquire) sees every response slot written before it.
        SharedRingDescriptor.rspProdRelease(ring, now);
        rspProdPushed = now;
        // StoreLoad: rsp_prod must be visible before rsp_event is read; pairs with the fence in the frontend's
        // finalCheckForResponses between its rsp_event store and its rsp_prod re-read.
        VarHandle.fullFence();
        return counts.record(EventIndex.crossed(old, now, SharedRingDescriptor.rspEventVolatile(ring)));
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS}: before going idle, asks to be notified of the next request and checks
     * once more.
     *
     * @return whether requests are waiting.
     * @throws ProtocolViolationException if req_prod is impossible.
     */
    public boolean finalCheckForRequests()
    {
        counts.flush(); // going idle: the domain's notification counters catch up here
        if (unconsumedRequests() > 0)
        {
            return true;
        }
        SharedRingDescriptor.reqEventRelease(ring, reqCons + 1);
        // StoreLoad: req_event must be visible before req_prod is re-read; pairs with the fence in the frontend's
        // pushRequestsAndCheckNotify between its req_prod store and its req_event load.
        VarHandle.fullFence();
        return unconsumedRequests() > 0;
    }

    /**
     * @return whether the frontend broke this ring.
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
        throw new ProtocolViolationException("back ring of " + owner + ": " + why);
    }

    private void checkNotBroken()
    {
        if (broken != null)
        {
            throw new ProtocolViolationException("back ring of " + owner + " is broken: " + broken);
        }
    }
}
