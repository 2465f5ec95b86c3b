package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;

/**
 * The frames a {@link NicDriver} owns in its domain, mapped in one reserved virtual range: the TX and RX rings
 * (each a run of consecutive frames, pinned while attached), one RX buffer per RX slot (pinned while posted, which is
 * always) and one TX buffer per TX slot (pinned by the driver between send and reap); a driver for foreign buffers
 * has only the rings. Virtual layout:
 * {@code [TX ring][RX ring][TX buffers][RX buffers]}, a page per frame.
 */
final class DriverMemory
{
    final int txRingFrame;
    final int rxRingFrame;
    final int[] txBuffers;
    final int[] rxBuffers;
    final long txRingAddress;
    final long rxRingAddress;
    private final Kernel kernel;
    private final Domain domain;
    private final int ringFrames;
    private final int pages;
    private final long base;
    private final int pageSize;
    private boolean released;

    DriverMemory(final Kernel kernel, final Domain domain, final int size, final boolean buffers)
    {
        this.kernel = kernel;
        this.domain = domain;
        this.pageSize = kernel.memory().frameSize();
        this.ringFrames = NicDescriptor.ringFrames(size, pageSize);
        final int count = buffers ? size : 0; // a driver for foreign buffers owns only its rings
        this.pages = 2 * ringFrames + 2 * count;
        this.txBuffers = new int[count];
        this.rxBuffers = new int[count];
        this.base = kernel.reserve(domain, pages);
        this.txRingAddress = base;
        this.rxRingAddress = base + (long)ringFrames * pageSize;
        int txRing = -1;
        int rxRing = -1;
        int tx = 0;
        int rx = 0;
        boolean done = false;
        try
        {
            txRing = kernel.allocateContiguousFrames(domain, ringFrames, true);
            rxRing = kernel.allocateContiguousFrames(domain, ringFrames, true);
            for (; tx < count; tx++)
            {
                txBuffers[tx] = kernel.allocateFrame(domain, false);
            }
            for (; rx < count; rx++)
            {
                rxBuffers[rx] = kernel.allocateFrame(domain, false);
            }
            for (int i = 0; i < ringFrames; i++)
            {
                kernel.map(domain, txRingAddress + (long)i * pageSize, txRing + i, Rights.READ_WRITE);
                kernel.map(domain, rxRingAddress + (long)i * pageSize, rxRing + i, Rights.READ_WRITE);
                kernel.pinFrame(domain, txRing + i);
                kernel.pinFrame(domain, rxRing + i);
            }
            for (int slot = 0; slot < count; slot++)
            {
                kernel.map(domain, txBufferAddress(slot), txBuffers[slot], Rights.READ_WRITE);
                kernel.map(domain, rxBufferAddress(slot), rxBuffers[slot], Rights.READ_WRITE);
                kernel.pinFrame(domain, rxBuffers[slot]);
            }
            done = true;
        }
        finally
        {
            if (!done)
            {
                // Freeing a frame unmaps it everywhere; pins taken so far go first.
                for (int f = 0; txRing >= 0 && f < ringFrames; f++)
                {
                    unpinAll(txRing + f);
                    kernel.freeFrame(domain, txRing + f);
                }
                for (int f = 0; rxRing >= 0 && f < ringFrames; f++)
                {
                    unpinAll(rxRing + f);
                    kernel.freeFrame(domain, rxRing + f);
                }
                for (int i = 0; i < tx; i++)
                {
                    kernel.freeFrame(domain, txBuffers[i]);
                }
                for (int i = 0; i < rx; i++)
                {
                    unpinAll(rxBuffers[i]);
                    kernel.freeFrame(domain, rxBuffers[i]);
                }
                kernel.unreserve(domain, base, pages);
            }
        }
        this.txRingFrame = txRing;
        this.rxRingFrame = rxRing;
    }

    private void unpinAll(final int frame)
    {
        while (kernel.pinCountOf(frame) > 0)
        {
            kernel.unpinFrame(frame);
        }
    }

    long txBufferAddress(final int slot)
    {
        return base + (long)(2 * ringFrames + slot) * pageSize;
    }

    long rxBufferAddress(final int slot)
    {
        return base + (long)(2 * ringFrames + txBuffers.length + slot) * pageSize;
    }

    /**
     * Drops every pin the driver holds (the device must be detached already); frees the frames too unless the
     * domain is being destroyed (then the kernel frees them right after).
     */
    void release(final boolean[] txPinned, final boolean free)
    {
        if (released)
        {
            return;
        }
        released = true;
        for (int i = 0; i < ringFrames; i++)
        {
            kernel.unpinFrame(txRingFrame + i);
            kernel.unpinFrame(rxRingFrame + i);
        }
        for (int slot = 0; slot < rxBuffers.length; slot++)
        {
            kernel.unpinFrame(rxBuffers[slot]);
            if (txPinned[slot])
            {
                txPinned[slot] = false;
                kernel.unpinFrame(txBuffers[slot]);
            }
        }
        if (free)
        {
            for (int i = 0; i < ringFrames; i++)
            {
                kernel.freeFrame(domain, txRingFrame + i);
                kernel.freeFrame(domain, rxRingFrame + i);
            }
            for (int slot = 0; slot < rxBuffers.length; slot++)
            {
                kernel.freeFrame(domain, txBuffers[slot]);
                kernel.freeFrame(domain, rxBuffers[slot]);
            }
            kernel.unreserve(domain, base, pages);
        }
    }
}
