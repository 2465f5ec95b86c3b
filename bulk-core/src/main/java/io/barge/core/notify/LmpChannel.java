package io.barge.core.notify;

import io.barge.core.Access;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.notify.LmpDescriptor.*;

/**
 * An LMP channel (seed 003, 5.1): the sender's send is a trap into the kernel, which copies the message words from
 * the sender's staging area (its "registers") into the receiver's endpoint, passes a frame reference if one is
 * named, and triggers the receiver's waitset channel. Layout: {@link LmpDescriptor}.
 * <p>
 * Synchronous optimisation (on by default, {@link #synchronous(boolean)}): after delivery the kernel runs the
 * receiver's registered handler at once on the sender's thread (the directed yield). Off: the receive channel only
 * becomes pending and runs when a thread dispatching its waitset (e.g. the {@link Core}'s loop) gets to it.
 * <p>
 * For domains on the same {@link Core}: if both are placed, on different cores, opening fails. The kernel-side
 * state here is touched only from the sending thread (the trap runs there). A receive handler still registered on a
 * waitset runs once more after close, and its poll throws ChannelClosedException: that is how a peer learns of a
 * teardown.
 * <p>
 * Frames: the sending end reaches its staging page, the endpoint and the consumer page (the trap writes the one and
 * reads the other on its thread); the receiving end reaches the endpoint and the consumer page. Each is pinned once
 * per end that reaches it and returns when those ends are quiescent ({@link AbstractNotifyChannel}, class comment),
 * so a trap or a consumed-count store racing a teardown on another thread lands in a pinned frame, never in one
 * handed to another domain.
 */
public final class LmpChannel extends AbstractNotifyChannel
{
    private final int slots;
    private final int mask;
    private final int slotShift;
    private final int endpointPages;
    private final Domain kernelDomain;
    private int endpointFrame = -1;
    private int consumerFrame = -1;
    private int stagingFrame = -1;
    private long kernelEndpoint;
    private long receiverEndpoint;
    private long receiverConsumer;
    private long kernelConsumer;
    private long senderStaging;
    private final UnsafeBuffer kernelEndpointView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer kernelConsumerView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer receiverEndpointView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer receiverConsumerView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer stagingView = new UnsafeBuffer(new byte[0]);
    private final LmpSender sender;
    private final LmpEndpoint endpoint;
    private volatile boolean synchronous = true;
    // Kernel-side delivery state.
    private long delivered;
    private long cachedConsumed;

    /**
     * Allocates the endpoint, the consumer page and the sender's staging page. On failure nothing stays allocated.
     *
     * @param kernel   the kernel.
     * @param sender   the sending domain.
     * @param receiver the receiving domain.
     * @param slots    endpoint entries, a power of two in [2, {@link LmpDescriptor#MAX_SLOTS}].
     * @throws IllegalArgumentException if the domains are placed on different cores.
     */
    public LmpChannel(final Kernel kernel, final Domain sender, final Domain receiver, final int slots)
    {
        super(kernel, sender, receiver);
        LmpDescriptor.checkSlots(slots);
        final Core senderCore = Core.of(sender);
        final Core receiverCore = Core.of(receiver);
        if (senderCore != null && receiverCore != null && senderCore != receiverCore)
        {
            throw new IllegalArgumentException("LMP needs domains on the same core: " + sender + " is on " +
                senderCore + ", " + receiver + " on " + receiverCore + "; use UMP");
        }
        this.slots = slots;
        this.mask = slots - 1;
        this.slotShift = Integer.numberOfTrailingZeros(slots);
        this.kernelDomain = kernel.kernelDomain();
        this.endpointPages = Math.max(1, endpointLength(slots) / kernel.memory().frameSize());
        try
        {
            setUp(kernel.memory().frameSize());
            pinEnds();
        }
        catch (final RuntimeException ex)
        {
            release();
            throw ex;
        }
        this.sender = new LmpSender(this, stagingView);
        this.endpoint = new LmpEndpoint(this, receiverEndpointView, receiverConsumerView, slots);
        watchDomains();
    }

    private void setUp(final int pageSize)
    {
        endpointFrame = kernel.allocateContiguousFrames(kernelDomain, endpointPages, true);
        kernelEndpoint = kernel.reserve(kernelDomain, endpointPages);
        receiverEndpoint = kernel.reserve(receiverDomain, endpointPages);
        for (int i = 0; i < endpointPages; i++)
        {
            kernel.map(kernelDomain, kernelEndpoint + (long)i * pageSize, endpointFrame + i, Rights.READ_WRITE);
            final long offer = kernel.offerShare(kernelDomain, endpointFrame + i, receiverDomain, Rights.READ);
            kernel.acceptShare(receiverDomain, offer, receiverEndpoint + (long)i * pageSize, Rights.READ);
        }
        consumerFrame = kernel.allocateFrame(receiverDomain, true);
        receiverConsumer = kernel.reserve(receiverDomain, 1);
        kernelConsumer = kernel.reserve(kernelDomain, 1);
        kernel.map(receiverDomain, receiverConsumer, consumerFrame, Rights.READ_WRITE);
        kernel.acceptShare(kernelDomain, kernel.offerShare(receiverDomain, consumerFrame, kernelDomain, Rights.READ),
            kernelConsumer, Rights.READ);
        stagingFrame = kernel.allocateFrame(senderDomain, true);
        senderStaging = kernel.reserve(senderDomain, 1);
        kernel.map(senderDomain, senderStaging, stagingFrame, Rights.READ_WRITE);

        final int length = endpointLength(slots);
        kernelDomain.addressSpace().wrapView(kernelEndpointView, kernelEndpoint, length, Access.WRITE);
        receiverDomain.addressSpace().wrapView(receiverEndpointView, receiverEndpoint, length, Access.READ);
        receiverDomain.addressSpace().wrapView(
            receiverConsumerView, receiverConsumer, CONSUMER_AREA_LENGTH, Access.WRITE);
        kernelDomain.addressSpace().wrapView(kernelConsumerView, kernelConsumer, CONSUMER_AREA_LENGTH, Access.READ);
        senderDomain.addressSpace().wrapView(stagingView, senderStaging, UmpDescriptor.PAYLOAD_LENGTH, Access.WRITE);
    }

    private void pinEnds()
    {
        final int[] receiverFrames = new int[endpointPages + 1];
        final Domain[] receiverOwners = new Domain[endpointPages + 1];
        for (int i = 0; i < endpointPages; i++)
        {
            receiverFrames[i] = endpointFrame + i;
            receiverOwners[i] = kernelDomain;
        }
        receiverFrames[endpointPages] = consumerFrame;
        receiverOwners[endpointPages] = receiverDomain;
        final int[] senderFrames = java.util.Arrays.copyOf(receiverFrames, endpointPages + 2);
        final Domain[] senderOwners = java.util.Arrays.copyOf(receiverOwners, endpointPages + 2);
        senderFrames[endpointPages + 1] = stagingFrame;
        senderOwners[endpointPages + 1] = senderDomain;
        pinEnds(senderFrames, senderOwners, receiverFrames, receiverOwners);
    }

    @Override
    public LmpSender sender()
    {
        return sender;
    }

    @Override
    public LmpEndpoint receiver()
    {
        return endpoint;
    }

    /**
     * @return endpoint entries.
     */
    public int slots()
    {
        return slots;
    }

    /**
     * @return whether the synchronous optimisation (run the receiver on send) is on.
     */
    public boolean synchronous()
    {
        return synchronous;
    }

    /**
     * Switches the synchronous optimisation (Flounder's IDC_CONTROL_SET_SYNC / CLEAR_SYNC).
     *
     * @param on whether a send runs the receiver's handler at once on the sender's thread.
     */
    public void synchronous(final boolean on)
    {
        this.synchronous = on;
    }

    /**
     * @return the first endpoint frame (the run is one page per 32 entries); for tests and tools.
     */
    public int endpointFrame()
    {
        return endpointFrame;
    }

    /**
     * @return the consumer page's virtual address in the receiver; for tests and tools.
     */
    public long receiverConsumerAddress()
    {
        return receiverConsumer;
    }

    // ---- the kernel's side of a send ---------------------------------------------------------------------------

    /** Kernel: whether the endpoint has a free entry; validates the receiver's consumed count. */
    boolean kernelHasRoom()
    {
        if (delivered - cachedConsumed < slots)
        {
            return true;
        }
        // Acquire: the receiver released its consumed count after reading those entries.
        final long consumed = kernelConsumerView.getLongAcquire(CONSUMED_OFFSET);
        if (consumed > delivered || consumed < cachedConsumed)
        {
            if (state() != OPEN)
            {
                return false; // a teardown re-pointed the view at private zeros: not the receiver's doing
            }
            throw violation(kernelDomain, "LMP consumed=" + consumed + " impossible: delivered=" + delivered +
                ", previous consumed=" + cachedConsumed);
        }
        cachedConsumed = consumed;
        return delivered - consumed < slots;
    }

    /**
     * Kernel: delivers the staged message (and frame) into the endpoint.
     *
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED}.
     */
    int kernelDeliver(final int type, final int length, final int frame, final FrameTransfer transfer)
    {
        if (state() != OPEN)
        {
            throw closedException(SENDER_END, "send");
        }
        if (!kernelHasRoom())
        {
            if (state() != OPEN)
            {
                throw closedException(SENDER_END, "send");
            }
            return Status.BACK_PRESSURED;
        }
        final long position = delivered;
        final int offset = entryOffset((int)position & mask);
        try
        {
            kernel.copy(senderDomain, senderDomain, senderStaging, kernelDomain,
                kernelEndpoint + offset + PAYLOAD_OFFSET, length);
        }
        catch (final ProtectionFault fault)
        {
            if (state() != OPEN)
            {
                throw closedException(SENDER_END, "send"); // unmapped by a teardown since the check above
            }
            throw fault;
        }
        if (frame == NO_FRAME)
        {
            kernelEndpointView.putInt(offset + CAP_FRAME_OFFSET, NO_FRAME);
        }
        else
        {
            passFrame(offset, frame, transfer);
        }
        // Release: a receiver that sees this control word sees the payload and capability written before it.
        kernelEndpointView.putLongRelease(offset + CONTROL_OFFSET, UmpDescriptor.encodeControl(
            UmpDescriptor.epochFor(position, slotShift), type, length, (int)position));
        delivered = position + 1;
        senderDomain.count(CounterType.NOTIFICATIONS_SENT, 1);
        final WaitsetChannel rx = endpoint.receiveChannel();
        if (rx.trigger() && synchronous)
        {
            rx.runIfPending();
        }
        return Status.OK;
    }

    private void passFrame(final int offset, final int frame, final FrameTransfer transfer)
    {
        if (transfer == null)
        {
            throw new IllegalArgumentException("transfer must not be null when a frame is passed");
        }
        final int rights = transfer == FrameTransfer.SHARE_READ ? Rights.READ : Rights.READ_WRITE;
        if (kernel.ownerOf(frame) != senderDomain.id())
        {
            throw new IllegalArgumentException("frame=" + frame + " is not owned by the sender " + senderDomain);
        }
        if (transfer == FrameTransfer.TRANSFER && kernel.mapCountOf(frame) != 0)
        {
            throw new IllegalStateException("frame=" + frame + " is still mapped " + kernel.mapCountOf(frame) +
                " time(s): unmap it before transferring ownership");
        }
        final long address = kernel.reserve(receiverDomain, 1);
        if (transfer == FrameTransfer.TRANSFER)
        {
            kernel.transferFrame(senderDomain, frame, receiverDomain);
            kernel.map(receiverDomain, address, frame, rights);
        }
        else
        {
            kernel.acceptShare(receiverDomain, kernel.offerShare(senderDomain, frame, receiverDomain, rights),
                address, rights);
        }
        kernelEndpointView.putInt(offset + CAP_FRAME_OFFSET, frame);
        kernelEndpointView.putShort(offset + CAP_KIND_OFFSET, (short)transfer.ordinal());
        kernelEndpointView.putShort(offset + CAP_RIGHTS_OFFSET, (short)rights);
        kernelEndpointView.putLong(offset + CAP_ADDRESS_OFFSET, address);
    }

    /**
     * Removes a mapping the kernel made for a received frame and its reserved page (the frame itself stays with its
     * owner; a transferred frame is the receiver's to free).
     *
     * @param capability a capability the receiver got on this channel.
     */
    public void releaseReceived(final LmpCapability capability)
    {
        if (!capability.isPresent())
        {
            throw new IllegalArgumentException("no frame in " + capability);
        }
        unmapRange(kernel, receiverDomain, capability.address(), 1);
    }

    @Override
    void release()
    {
        if (endpoint != null)
        {
            // Wake a registered receive handler once more so that it learns of the teardown: its poll throws
            // ChannelClosedException.
            endpoint.receiveChannel().trigger();
        }
        discard(kernelEndpointView);
        discard(kernelConsumerView);
        discard(receiverEndpointView);
        discard(receiverConsumerView);
        discard(stagingView);
        unmapRange(kernel, kernelDomain, kernelEndpoint, endpointPages);
        unmapRange(kernel, receiverDomain, receiverEndpoint, endpointPages);
        unmapRange(kernel, receiverDomain, receiverConsumer, 1);
        unmapRange(kernel, kernelDomain, kernelConsumer, 1);
        unmapRange(kernel, senderDomain, senderStaging, 1);
        if (!endsPinned())
        {
            // Setup failed before the ends pinned the frames: no end has run, free them now.
            freeRange(kernel, kernelDomain, endpointFrame, endpointPages);
            freeRange(kernel, receiverDomain, consumerFrame, 1);
            freeRange(kernel, senderDomain, stagingFrame, 1);
        }
        kernelEndpoint = receiverEndpoint = receiverConsumer = kernelConsumer = senderStaging = 0;
    }

    @Override
    Thread endThread(final int end)
    {
        if (sender == null)
        {
            return null;
        }
        return end == SENDER_END ? sender.lastThread() : endpoint.lastThread();
    }
}
