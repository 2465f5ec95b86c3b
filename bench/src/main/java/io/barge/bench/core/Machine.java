package io.barge.bench.core;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;

/**
 * A small simulated machine for a benchmark: physical memory, a kernel and two domains, closed together.
 */
public final class Machine implements AutoCloseable
{
    private final PhysicalMemory memory;
    private final Kernel kernel;
    private final Domain a;
    private final Domain b;

    /**
     * @param frames 4 KiB frames of physical memory.
     */
    public Machine(final int frames)
    {
        memory = PhysicalMemory.allocateDirect(frames);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
    }

    /**
     * @return the kernel.
     */
    public Kernel kernel()
    {
        return kernel;
    }

    /**
     * @return the first domain (usually the sender).
     */
    public Domain a()
    {
        return a;
    }

    /**
     * @return the second domain (usually the receiver).
     */
    public Domain b()
    {
        return b;
    }

    /**
     * Closes the kernel (destroying the domains and returning their frames), then the memory.
     */
    @Override
    public void close()
    {
        kernel.close();
        memory.close();
    }
}
