package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;

import java.nio.file.Path;

/**
 * A client process's own view of the kernel's memory file, for the transport SPI's flyweights: a {@link io.barge.core.transport.Claim} or
 * {@link io.barge.core.transport.Message} is a range of an {@link io.barge.core.AddressSpace}, and a client process
 * has none of the kernel's. So this process keeps a private {@link Kernel} over its mapping of {@code memory.dat}
 * ({@link PhysicalMemory#attachFile}) and, for each kernel domain the client owns, a local domain of the same name
 * whose page table maps exactly the channel frames its ends use, with the rights the end has (the sender's data
 * writable, the receiver's read-only). A claim's or a message's view is then a view straight onto the mapped frames:
 * nothing is copied.
 * <p>
 * The private kernel never allocates: at start its own domain takes every frame, so an allocation through a local
 * domain throws {@link OutOfFramesException} and nothing this process does here can hand out a frame the real kernel
 * owns; frames are mapped by the private kernel's offer and accept of a share (the rights checked by its page
 * tables). Nothing it does writes the file: it neither zeroes nor frees a frame it does not hold, and its frame
 * records, counters and page tables are this process's heap and private memory.
 * <p>
 * What this costs: the whole memory file is mapped read-write in this process (the raw ends map only their
 * channel's frames, the receiver's data read-only); writes through the SPI's views are checked by the local page
 * tables instead of by the operating system.
 */
final class ClientMachineView implements AutoCloseable
{
    private final PhysicalMemory memory;
    private final Kernel kernel;

    ClientMachineView(final Path memoryFile)
    {
        this.memory = PhysicalMemory.attachFile(memoryFile);
        Kernel created = null;
        try
        {
            created = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 64);
            final int[] frames = new int[memory.frameCount()];
            // Every frame is the real kernel's: held here so that this kernel can never hand one out.
            created.allocateFrames(created.kernelDomain(), frames.length, false, frames);
        }
        catch (final RuntimeException ex)
        {
            if (created != null)
            {
                created.close();
            }
            memory.close();
            throw ex;
        }
        this.kernel = created;
    }

    /**
     * @param name the kernel domain's name.
     * @return a new local domain standing for it.
     */
    Domain createDomain(final String name)
    {
        return kernel.createDomain(name);
    }

    /**
     * @return the private kernel, for the deferrals of channel teardowns ({@link io.barge.core.transport.spi.Deferral}).
     */
    Kernel kernel()
    {
        return kernel;
    }

    /**
     * @return bytes per frame.
     */
    int frameSize()
    {
        return memory.frameSize();
    }

    /**
     * Maps a run of frames into a local domain at a fresh range.
     *
     * @param domain     the local domain.
     * @param firstFrame the run's first frame.
     * @param frameCount its length.
     * @param rights     {@link Rights#READ} or {@link Rights#READ_WRITE}.
     * @return the range's first virtual byte.
     */
    long map(final Domain domain, final int firstFrame, final int frameCount, final int rights)
    {
        final long address = kernel.reserve(domain, frameCount);
        final int frameSize = memory.frameSize();
        for (int i = 0; i < frameCount; i++)
        {
            final long capability = kernel.offerShare(kernel.kernelDomain(), firstFrame + i, domain, rights);
            kernel.acceptShare(domain, capability, address + (long)i * frameSize, rights);
        }
        return address;
    }

    /**
     * Unmaps a range {@link #map} made (its views are revoked: a later use is a
     * {@link io.barge.core.BufferStateException}). Nothing happens to a domain destroyed already.
     *
     * @param domain     the local domain.
     * @param address    the range's first byte.
     * @param frameCount its length.
     */
    void unmap(final Domain domain, final long address, final int frameCount)
    {
        if (!domain.isAlive())
        {
            return;
        }
        final int frameSize = memory.frameSize();
        for (int i = 0; i < frameCount; i++)
        {
            kernel.unmap(domain, address + (long)i * frameSize);
        }
        kernel.unreserve(domain, address, frameCount);
    }

    @Override
    public void close()
    {
        kernel.close();
        memory.close();
    }
}
