package io.barge.core.device;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A device's DMA engine: it reads and writes frames by number, as a bus master does physical addresses, and only
 * frames pinned for DMA (a driver pinned them, through the hypervisor, with their owner's consent). A transfer
 * holds one extra pin ({@link Kernel#holdPinnedForDma}), so an unpin that races it cannot let the frame be freed and
 * reused under the device. The hold and its drop are lock-free compare-and-sets on the frame's pin word: a transfer
 * takes no kernel monitor. Anything else is a fault, counted, with nothing transferred: {@link #tryRead} and
 * {@link #tryWrite} say so by their result (no garbage for a hostile peer to provoke), {@link #read} and
 * {@link #write} throw a {@link DmaFaultException}. Counts go to the domain the engine works for (its driver).
 * <p>
 * Per transfer by default: the hold is dropped and the bytes counted as each transfer ends. An engine made to
 * {@linkplain #Dma(Kernel, Domain, boolean) keep its hold} keeps it from a transfer into a frame until a transfer
 * names another frame or the device's pass ends ({@link #endPass}), as a NIC's DMA engine keeps an IOTLB entry:
 * small transfers packed in one page (a row of 64-byte frames) then cost one hold and one drop a page and pass
 * instead of one of each a transfer, and the bytes are counted once a pass. A transfer into the frame held still
 * checks that a pin besides the device's own stands (the driver's): if the driver unpinned the frame since, the
 * hold goes and the transfer is a fault, as for a frame never pinned.
 * <p>
 * Not thread safe: one device thread runs an engine (the view is a reused flyweight).
 */
public final class Dma
{
    private static final byte[] NO_BYTES = new byte[0];
    private static final int NONE = -1;
    private static final int OK = 0;
    private static final int OUTSIDE_MEMORY = 1;
    private static final int OUTSIDE_FRAME = 2;
    private static final int NOT_PINNED = 3;

    private final Kernel kernel;
    private final Domain driver;
    private final int frameSize;
    private final int frameCount;
    private final boolean keepHolds;
    private final UnsafeBuffer frameView = new UnsafeBuffer(NO_BYTES);
    private int held = NONE;
    private long passBytes;

    /**
     * An engine that holds a frame for each transfer only.
     *
     * @param kernel the machine.
     * @param driver the domain whose device this is; DMA bytes and faults are counted on it.
     */
    public Dma(final Kernel kernel, final Domain driver)
    {
        this(kernel, driver, false);
    }

    /**
     * @param kernel    the machine.
     * @param driver    the domain whose device this is; DMA bytes and faults are counted on it.
     * @param keepHolds whether a frame's hold is kept across transfers into it until {@link #endPass} (bytes then
     *                  counted there).
     */
    public Dma(final Kernel kernel, final Domain driver, final boolean keepHolds)
    {
        this.kernel = kernel;
        this.driver = driver;
        this.frameSize = kernel.memory().frameSize();
        this.frameCount = kernel.memory().frameCount();
        this.keepHolds = keepHolds;
    }

    /**
     * Device to memory: writes {@code length} bytes into a pinned frame.
     *
     * @param frame    the target frame.
     * @param offset   first byte in the frame.
     * @param src      the device's bytes.
     * @param srcIndex first source byte.
     * @param length   bytes.
     * @throws DmaFaultException if the frame is not pinned or the range leaves it.
     */
    public void write(final int frame, final int offset, final DirectBuffer src, final int srcIndex,
        final int length)
    {
        final int result = reach(frame, offset, length);
        if (result != OK)
        {
            throw fault(result, frame, offset, length);
        }
        copyIn(offset, src, srcIndex, length);
    }

    /**
     * Device to memory, a fault told by the result (counted, nothing written).
     *
     * @return whether the bytes were written.
     * @see #write
     */
    public boolean tryWrite(final int frame, final int offset, final DirectBuffer src, final int srcIndex,
        final int length)
    {
        if (reach(frame, offset, length) != OK)
        {
            driver.count(DeviceCounters.DMA_FAULTS, 1);
            return false;
        }
        copyIn(offset, src, srcIndex, length);
        return true;
    }

    /**
     * Memory to device: reads {@code length} bytes out of a pinned frame.
     *
     * @param frame    the source frame.
     * @param offset   first byte in the frame.
     * @param dst      the device's buffer.
     * @param dstIndex first destination byte.
     * @param length   bytes.
     * @throws DmaFaultException if the frame is not pinned or the range leaves it.
     */
    public void read(final int frame, final int offset, final MutableDirectBuffer dst, final int dstIndex,
        final int length)
    {
        final int result = reach(frame, offset, length);
        if (result != OK)
        {
            throw fault(result, frame, offset, length);
        }
        copyOut(offset, dst, dstIndex, length);
    }

    /**
     * Memory to device, a fault told by the result (counted, nothing read).
     *
     * @return whether the bytes were read.
     * @see #read
     */
    public boolean tryRead(final int frame, final int offset, final MutableDirectBuffer dst, final int dstIndex,
        final int length)
    {
        if (reach(frame, offset, length) != OK)
        {
            driver.count(DeviceCounters.DMA_FAULTS, 1);
            return false;
        }
        copyOut(offset, dst, dstIndex, length);
        return true;
    }

    /**
     * The device's pass ends (or it detaches): the kept hold is dropped and the pass's bytes counted. Nothing to do
     * for an engine that holds per transfer.
     */
    public void endPass()
    {
        drop();
        if (passBytes > 0)
        {
            driver.count(DeviceCounters.DMA_BYTES, passBytes);
            passBytes = 0;
        }
    }

    /** @return the frame held across transfers now, or -1 (for tests). */
    int held()
    {
        return held;
    }

    /** Checks the transfer and holds its frame, the view on it; a fault holds nothing. */
    private int reach(final int frame, final int offset, final int length)
    {
        if (frame < 0 || frame >= frameCount)
        {
            return OUTSIDE_MEMORY;
        }
        if (offset < 0 || length < 0 || offset > frameSize - length)
        {
            return OUTSIDE_FRAME;
        }
        if (frame == held)
        {
            if (kernel.pinCountOf(frame) > 1)
            {
                return OK; // the driver's pin stands beside the device's hold
            }
            drop(); // only the device's hold is left: the driver unpinned it, and it may go
            return NOT_PINNED;
        }
        drop();
        // One lock-free step: the hold and the view (a held frame is allocated, so it needs no owner check).
        if (!kernel.holdPinnedForDma(frame, frameView))
        {
            return NOT_PINNED;
        }
        held = frame;
        return OK;
    }

    private void copyIn(final int offset, final DirectBuffer src, final int srcIndex, final int length)
    {
        try
        {
            frameView.putBytes(offset, src, srcIndex, length);
            transferred(length);
        }
        finally
        {
            if (!keepHolds)
            {
                drop();
            }
        }
    }

    private void copyOut(final int offset, final MutableDirectBuffer dst, final int dstIndex, final int length)
    {
        try
        {
            frameView.getBytes(offset, dst, dstIndex, length);
            transferred(length);
        }
        finally
        {
            if (!keepHolds)
            {
                drop();
            }
        }
    }

    private void transferred(final int length)
    {
        if (keepHolds)
        {
            passBytes += length;
        }
        else
        {
            driver.count(DeviceCounters.DMA_BYTES, length);
        }
    }

    private void drop()
    {
        if (held != NONE)
        {
            frameView.wrap(NO_BYTES); // the engine keeps no view of a frame it no longer holds
            kernel.unpinFrame(held);
            held = NONE;
        }
    }

    private DmaFaultException fault(final int result, final int frame, final int offset, final int length)
    {
        driver.count(DeviceCounters.DMA_FAULTS, 1);
        switch (result)
        {
            case OUTSIDE_MEMORY:
                return new DmaFaultException(frame, "DMA to frame=" + frame + " outside memory of " + frameCount +
                    " frames");
            case OUTSIDE_FRAME:
                return new DmaFaultException(frame, "DMA range offset=" + offset + " length=" + length +
                    " leaves frame=" + frame + " of " + frameSize + " bytes");
            default:
                return new DmaFaultException(frame, "DMA to frame=" + frame + " which is not pinned for DMA");
        }
    }
}
