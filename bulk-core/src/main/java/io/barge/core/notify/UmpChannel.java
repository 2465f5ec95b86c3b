package io.barge.core.notify;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A UMP channel (seed 003, 5.2): a ring of 64-byte slots in frames the sender owns, mapped read-write in the sender
 * and read-only in the receiver, and an ack page the receiver owns, read-only in the sender. Layout and protocol:
 * {@link UmpDescriptor}.
 * <p>
 * The ring occupies physically consecutive frames ({@link Kernel#allocateContiguousFrames}) so that each side wraps
 * it as one view ({@link io.barge.core.AddressSpace#wrapView}) and the hot path translates nothing. Closing points
 * every view at private discarded memory and unmaps the ring and the ack page: an end that still holds a claim, or a
 * handler running when its peer died, touches only that memory, and its next commit or poll throws
 * ChannelClosedException.
 * <p>
 * Frames: both ends reach the ring and the ack page, so each of those frames is pinned twice, once per end, and
 * returns when both ends are quiescent ({@link AbstractNotifyChannel}, class comment): at once for a close on the
 * ends' threads, after their threads ended, of a never-used end, or a {@link #closeQuiescent()}; otherwise at the
 * other end's next call, which throws ChannelClosedException (a sender with a claim outstanding: at its commit), or
 * once that end's thread has ended (the kernel's lazy pass). An end on another thread, caught between its state
 * check and its store when a teardown (a close, or the peer domain's destruction) runs, therefore stores into a
 * frame that is still pinned and unmapped, never into one handed to another domain; an end on a live thread that is
 * never called again keeps its ring and ack page out of reuse until {@link Kernel#close()}. Nothing here waits for
 * an end and nothing costs a fence per message: each claim and poll reads the calling thread and compares it with
 * the one it recorded. A receive handler still registered on a waitset runs once more after close, and its poll throws
 * ChannelClosedException: that is how a peer learns of a teardown, and that call returns the receiver's frames.
 */
public final class UmpChannel extends AbstractNotifyChannel
{
    private final int slots;
    private final int ringPages;
    private int ringFrame = -1;
    private int ackFrame = -1;
    private long senderRing;
    private long receiverRing;
    private long senderAck;
    private long receiverAck;
    private final UnsafeBuffer senderRingView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer senderAckView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer receiverRingView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer receiverAckView = new UnsafeBuffer(new byte[0]);
    private final UmpSender sender;
    private final UmpReceiver receiver;

    /**
     * Allocates, maps and shares the ring and the ack page. On failure nothing stays allocated.
     *
     * @param kernel   the kernel.
     * @param sender   the sending domain (owns the ring).
     * @param receiver the receiving domain (owns the ack page).
     * @param slots    ring slots, a power of two in [2, 65536].
     */
    public UmpChannel(final Kernel kernel, final Domain sender, final Domain receiver, final int slots)
    {
        super(kernel, sender, receiver);
        UmpDescriptor.checkSlots(slots);
        this.slots = slots;
        final int pageSize = kernel.memory().frameSize();
        this.ringPages = Math.max(1, UmpDescriptor.ringLength(slots) / pageSize);
        try
        {
            setUp(pageSize);
            pinEnds();
        }
        catch (final RuntimeException ex)
        {
            release();
            throw ex;
        }
        this.sender = new UmpSender(this, senderRingView, senderAckView, slots);
        this.receiver = new UmpReceiver(this, receiverRingView, receiverAckView, slots);
        watchDomains();
    }

    private void setUp(final int pageSize)
    {
        final int ringLength = UmpDescriptor.ringLength(slots);
        ringFrame = kernel.allocateContiguousFrames(senderDomain, ringPages, true);
        senderRing = kernel.reserve(senderDomain, ringPages);
        receiverRing = kernel.reserve(receiverDomain, ringPages);
        for (int i = 0; i < ringPages; i++)
        {
            kernel.map(senderDomain, senderRing + (long)i * pageSize, ringFrame + i, Rights.READ_WRITE);
            final long offer = kernel.offerShare(senderDomain, ringFrame + i, receiverDomain, Rights.READ);
            kernel.acceptShare(receiverDomain, offer, receiverRing + (long)i * pageSize, Rights.READ);
        }
        ackFrame = kernel.allocateFrame(receiverDomain, true);
        receiverAck = kernel.reserve(receiverDomain, 1);
        senderAck = kernel.reserve(senderDomain, 1);
        kernel.map(receiverDomain, receiverAck, ackFrame, Rights.READ_WRITE);
        kernel.acceptShare(senderDomain, kernel.offerShare(receiverDomain, ackFrame, senderDomain, Rights.READ),
            senderAck, Rights.READ);

        // The receiver publishes the header; the sender checks it on attach as it would across processes.
        receiverDomain.addressSpace().putInt(receiverAck + UmpDescriptor.VERSION_OFFSET, UmpDescriptor.VERSION);
        receiverDomain.addressSpace().putInt(receiverAck + UmpDescriptor.SLOTS_OFFSET, slots);
        receiverDomain.addressSpace().putInt(receiverAck + UmpDescriptor.MAGIC_OFFSET, UmpDescriptor.MAGIC);
        checkHeader();

        senderDomain.addressSpace().wrapView(senderRingView, senderRing, ringLength, Access.WRITE);
        receiverDomain.addressSpace().wrapView(receiverRingView, receiverRing, ringLength, Access.READ);
        senderDomain.addressSpace().wrapView(senderAckView, senderAck, UmpDescriptor.ACK_AREA_LENGTH, Access.READ);
        receiverDomain.addressSpace().wrapView(
            receiverAckView, receiverAck, UmpDescriptor.ACK_AREA_LENGTH, Access.WRITE);
    }

    /** Both ends reach every frame: the ring (sender's) and the ack page (receiver's). */
    private void pinEnds()
    {
        final int[] frames = new int[ringPages + 1];
        final Domain[] owners = new Domain[ringPages + 1];
        for (int i = 0; i < ringPages; i++)
        {
            frames[i] = ringFrame + i;
            owners[i] = senderDomain;
        }
        frames[ringPages] = ackFrame;
        owners[ringPages] = receiverDomain;
        pinEnds(frames, owners, frames.clone(), owners.clone());
    }

    private void checkHeader()
    {
        final int magic = senderDomain.addressSpace().getInt(senderAck + UmpDescriptor.MAGIC_OFFSET);
        final int version = senderDomain.addressSpace().getInt(senderAck + UmpDescriptor.VERSION_OFFSET);
        final int seenSlots = senderDomain.addressSpace().getInt(senderAck + UmpDescriptor.SLOTS_OFFSET);
        if (magic != UmpDescriptor.MAGIC || version != UmpDescriptor.VERSION || seenSlots != slots)
        {
            throw new ProtocolViolationException("UMP ack page header magic=0x" + Integer.toHexString(magic) +
                " version=" + version + " slots=" + seenSlots + ", expected magic=0x" +
                Integer.toHexString(UmpDescriptor.MAGIC) + " version=" + UmpDescriptor.VERSION + " slots=" + slots);
        }
    }

    @Override
    public UmpSender sender()
    {
        return sender;
    }

    @Override
    public UmpReceiver receiver()
    {
        return receiver;
    }

    /**
     * @return ring slots.
     */
    public int slots()
    {
        return slots;
    }

    /**
     * @return first frame of the ring (the run is {@link #ringPages()} long); for tests and tools.
     */
    public int ringFrame()
    {
        return ringFrame;
    }

    /**
     * @return frames in the ring.
     */
    public int ringPages()
    {
        return ringPages;
    }

    /**
     * @return the ack page's frame; for tests and tools.
     */
    public int ackFrame()
    {
        return ackFrame;
    }

    /**
     * @return the ring's virtual address in the sender.
     */
    public long senderRingAddress()
    {
        return senderRing;
    }

    /**
     * @return the ack page's virtual address in the receiver.
     */
    public long receiverAckAddress()
    {
        return receiverAck;
    }

    @Override
    void release()
    {
        if (sender != null)
        {
            sender.publishCount();
        }
        // A registered receive handler stays registered: its poller sees the closed channel and runs it once more,
        // so that a peer's binding learns of the teardown (its poll throws ChannelClosedException).
        discard(senderRingView);
        discard(senderAckView);
        discard(receiverRingView);
        discard(receiverAckView);
        unmapRange(kernel, senderDomain, senderRing, ringPages);
        unmapRange(kernel, receiverDomain, receiverRing, ringPages);
        unmapRange(kernel, senderDomain, senderAck, 1);
        unmapRange(kernel, receiverDomain, receiverAck, 1);
        if (!endsPinned())
        {
            // Setup failed before the ends pinned the frames: no end has run, free them now.
            freeRange(kernel, senderDomain, ringFrame, ringFrame < 0 ? 0 : ringPages);
            freeRange(kernel, receiverDomain, ackFrame, 1);
        }
        senderRing = receiverRing = senderAck = receiverAck = 0;
    }

    @Override
    Thread endThread(final int end)
    {
        if (sender == null)
        {
            return null;
        }
        return end == SENDER_END ? sender.lastThread() : receiver.lastThread();
    }
}
