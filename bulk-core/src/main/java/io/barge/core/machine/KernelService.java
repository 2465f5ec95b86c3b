package io.barge.core.machine;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

import java.util.concurrent.TimeUnit;

/**
 * A kernel serving client processes: the embedded {@link Kernel}, built with a machine directory and its physical
 * memory in that directory's {@link MachineFileDescriptor#MEMORY_FILE_NAME} (so that clients can map the frames of
 * their channels), and its {@link KernelConductor} on its own thread (an {@link AgentRunner} that backs off to 1 ms parks when idle). What
 * {@code barge kernel} runs, and what tests run in place of it.
 */
public final class KernelService implements AutoCloseable
{
    private final Kernel kernel;
    private final KernelConductor conductor;
    private final AgentRunner runner;
    private boolean closed;

    private KernelService(final Kernel kernel, final ErrorHandler errorHandler)
    {
        this.kernel = kernel;
        this.conductor = new KernelConductor(kernel, SystemEpochClock.INSTANCE);
        this.runner = new AgentRunner(new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1)), errorHandler, null, conductor);
    }

    /**
     * Builds the kernel and starts its conductor.
     *
     * @param builder      a kernel builder with a machine directory; its memory goes in the directory's memory file
     *                     unless it was given one ({@link Kernel.Builder#memory}), which then serves no channels.
     * @param errorHandler told of anything the conductor throws (it goes on afterwards).
     * @return the running service.
     * @throws MachineFileException     if the directory has a live kernel or cannot hold the file.
     * @throws IllegalArgumentException if the builder has no machine directory.
     */
    public static KernelService start(final Kernel.Builder builder, final ErrorHandler errorHandler)
    {
        final Kernel kernel = builder.memoryInMachineDirectory(true).build();
        try
        {
            final KernelService service = new KernelService(kernel, errorHandler);
            AgentRunner.startOnThread(service.runner);
            return service;
        }
        catch (final RuntimeException ex)
        {
            kernel.close();
            throw ex;
        }
    }

    /**
     * @return the kernel (its domains include the clients').
     */
    public Kernel kernel()
    {
        return kernel;
    }

    /**
     * @return clients attached now, as the client table shows them (safe from any thread).
     */
    public int clientCount()
    {
        final AtomicBuffer table = kernel.machineFile().clientTableBuffer();
        int count = 0;
        for (int slot = 0, slots = ClientTableDescriptor.slots(table.capacity()); slot < slots; slot++)
        {
            if (ClientTableDescriptor.readSlot(table, slot) != null)
            {
                count++;
            }
        }
        return count;
    }

    /**
     * Stops the conductor (its thread ends, the client table is cleared), then closes the kernel (every domain
     * destroyed, the file marked closed). Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        runner.close();
        if (kernel.memory().isFileBacked())
        {
            // The name goes before the kernel closes: the lock is still held, so it is this kernel's file (a client
            // still mapping it keeps its mapping; a new client finds no memory file instead of a dead one's).
            PhysicalMemory.deleteFile(kernel.machineFile().directory().resolve(MachineFileDescriptor.MEMORY_FILE_NAME));
        }
        kernel.close();
    }
}
