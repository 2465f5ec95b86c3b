package io.barge.core.device;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A device's DMA engine: it reads and writes frames by number, as a bus master does physical addresses, and only
 * frames pinned for DMA (a driver pinned them, through the hypervisor, with their owner's consent). A transfer
 * holds one extra pin for its duration ({@link Kernel#holdPinnedForDma}), so an unpin that races it cannot let the
 * frame be freed and reused under the device. The hold and its drop are lock-free compare-and-sets on the frame's
 * pin word: a transfer takes no kernel monitor. Anything else is a {@link DmaFaultException}, counted, with nothing
 * transferred. Counts go to the domain the engine works for (its driver).
 * <p>
 * Not thread safe: one device thread runs an engine (the view is a reused flyweight).
 */
public final class Dma
{
    private final Kernel kernel;
    private final Domain driver;
    private final int frameSize;
    private static final byte[] NO_BYTES = new byte[0];

    private final UnsafeBuffer frameView = new UnsafeBuffer(NO_BYTES);

    /**
     * @param kernel the machine.
     * @param driver the domain whose device this is; DMA bytes and faults are counted on it.
     */
    public Dma(final Kernel kernel, final Domain driver)
    {
        this.kernel = kernel;
        this.driver = driver;
        this.frameSize = kernel.memory().frameSize();
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
        hold(frame, offset, length);
        try
        {
            frameView.putBytes(offset, src, srcIndex, length);
            driver.count(DeviceCounters.DMA_BYTES, length);
        }
        finally
        {
            release(frame);
        }
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
        hold(frame, offset, length);
        try
        {
            frameView.getBytes(offset, dst, dstIndex, length);
            driver.count(DeviceCounters.DMA_BYTES, length);
        }
        finally
        {
            release(frame);
        }
    }

    private void hold(final int frame, final int offset, final int length)
    {
        if (frame < 0 || frame >= kernel.memory().frameCount())
        {
            throw fault(frame, "DMA to frame=" + frame + " outside memory of " + kernel.memory().frameCount() +
                " frames");
        }
        if (offset < 0 || length < 0 || offset > frameSize - length)
        {
            throw fault(frame, "DMA range offset=" + offset + " length=" + length + " leaves frame=" + frame +
                " of " + frameSize + " bytes");
        }
        // One lock-free step: the hold and the view (a held frame is allocated, so it needs no owner check).
        if (!kernel.holdPinnedForDma(frame, frameView))
        {
            throw fault(frame, "DMA to frame=" + frame + " which is not pinned for DMA");
        }
    }

    private void release(final int frame)
    {
        frameView.wrap(NO_BYTES); // the engine keeps no view of a frame it no longer holds
        kernel.unpinFrame(frame);
    }

    private DmaFaultException fault(final int frame, final String message)
    {
        driver.count(DeviceCounters.DMA_FAULTS, 1);
        return new DmaFaultException(frame, message);
    }
}
