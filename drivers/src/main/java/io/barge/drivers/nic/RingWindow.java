package io.barge.drivers.nic;

import io.barge.core.Kernel;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The device's window on one descriptor ring for one pass: a DMA hold on each of the ring's frames
 * ({@link Kernel#holdPinnedForDma}, refused unless the driver pinned the frame) and a view of each, taken at the
 * pass's first descriptor access and dropped at its end. While held, an unpin by the driver cannot free a ring frame
 * under the device. Device thread only.
 */
final class RingWindow
{
    private static final byte[] NO_BYTES = new byte[0];

    private final Kernel kernel;
    private UnsafeBuffer[] views = new UnsafeBuffer[0];
    private int first = -1;
    private int frames;
    private boolean held;

    RingWindow(final Kernel kernel)
    {
        this.kernel = kernel;
    }

    /** A new ring (at enable) or none (first = -1). Not held. */
    void configure(final int first, final int frames)
    {
        this.first = first;
        this.frames = frames;
        if (views.length < frames)
        {
            views = new UnsafeBuffer[frames];
            for (int i = 0; i < frames; i++)
            {
                views[i] = new UnsafeBuffer(NO_BYTES);
            }
        }
    }

    /**
     * @return true if every frame of the ring is held for this pass; false if one is not pinned (nothing held then).
     */
    boolean hold()
    {
        if (held)
        {
            return true;
        }
        if (first < 0)
        {
            return false;
        }
        for (int i = 0; i < frames; i++)
        {
            if (!kernel.holdPinnedForDma(first + i))
            {
                for (int j = 0; j < i; j++)
                {
                    views[j].wrap(NO_BYTES);
                    kernel.unpinFrame(first + j);
                }
                return false;
            }
            kernel.wrapFrame(views[i], first + i);
        }
        held = true;
        return true;
    }

    UnsafeBuffer view(final int frame)
    {
        return views[frame];
    }

    /** Ends the pass: the views go, the holds are dropped. */
    void release()
    {
        if (!held)
        {
            return;
        }
        held = false;
        for (int i = 0; i < frames; i++)
        {
            views[i].wrap(NO_BYTES); // no view of a frame the device no longer holds
            kernel.unpinFrame(first + i);
        }
    }
}
