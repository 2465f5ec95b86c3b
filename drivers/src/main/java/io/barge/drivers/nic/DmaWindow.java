package io.barge.drivers.nic;

import io.barge.core.Kernel;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The device's DMA engine for payloads over one pass, in one direction: every transfer makes the checks of
 * {@link io.barge.core.device.Dma} (the frame inside memory, the range inside the frame, the frame pinned for DMA by
 * someone other than the device), but the device's hold on a frame ({@link Kernel#holdPinnedForDma}) is kept from
 * the first transfer into it until the pass ends or the next transfer names another frame, as a NIC's DMA engine
 * keeps an IOTLB entry. Small frames packed in one page (a TMM data area, a row of 64 B claims) then cost one hold
 * and one drop per page and pass instead of one of each (two atomics) per frame.
 * <p>
 * A transfer into the frame already held checks the frame's pin count: above the device's own hold, the driver's
 * pin still stands; at exactly the hold the driver unpinned it since, and the transfer is a fault, as it would be
 * for a frame never held. While held, an unpin cannot let the frame be freed under the device. Device thread only;
 * a detach (under the device's monitor) drops the hold.
 */
final class DmaWindow
{
    private static final byte[] NO_BYTES = new byte[0];
    private static final int NONE = -1;

    private final Kernel kernel;
    private final int frameSize;
    private final int frameCount;
    private final UnsafeBuffer view = new UnsafeBuffer(NO_BYTES);
    private int held = NONE;

    DmaWindow(final Kernel kernel)
    {
        this.kernel = kernel;
        this.frameSize = kernel.memory().frameSize();
        this.frameCount = kernel.memory().frameCount();
    }

    /**
     * Memory to device.
     *
     * @return true if the bytes were read; false on a DMA fault (nothing read; the caller counts it).
     */
    boolean read(final int frame, final int offset, final MutableDirectBuffer dst, final int dstIndex,
        final int length)
    {
        if (!reach(frame, offset, length))
        {
            return false;
        }
        view.getBytes(offset, dst, dstIndex, length);
        return true;
    }

    /**
     * Device to memory.
     *
     * @return true if the bytes were written; false on a DMA fault (nothing written; the caller counts it).
     */
    boolean write(final int frame, final int offset, final DirectBuffer src, final int srcIndex, final int length)
    {
        if (!reach(frame, offset, length))
        {
            return false;
        }
        view.putBytes(offset, src, srcIndex, length);
        return true;
    }

    private boolean reach(final int frame, final int offset, final int length)
    {
        if (frame < 0 || frame >= frameCount || offset < 0 || length < 0 || offset > frameSize - length)
        {
            return false;
        }
        if (frame == held)
        {
            if (kernel.pinCountOf(frame) > 1)
            {
                return true; // the driver's pin stands beside the device's hold
            }
            release(); // only the device's hold is left: the driver unpinned it, and it may go
            return false;
        }
        release();
        if (!kernel.holdPinnedForDma(frame, view))
        {
            return false;
        }
        held = frame;
        return true;
    }

    /** Ends the pass (or the attachment): the view goes and the hold is dropped. */
    void release()
    {
        if (held != NONE)
        {
            view.wrap(NO_BYTES); // no view of a frame the device no longer holds
            kernel.unpinFrame(held);
            held = NONE;
        }
    }

    /** For tests: the frame held now, or -1. */
    int held()
    {
        return held;
    }
}
