package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.CachedNanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;

/**
 * A machine with a wire and two NICs on a manual clock, for the NIC tests; drivers are added by each test.
 */
final class NicRig implements AutoCloseable
{
    final PhysicalMemory memory;
    final Kernel kernel;
    final CachedNanoClock clock = new CachedNanoClock();
    final Wire wire;
    final Nic nicA;
    final Nic nicB;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    NicRig(final int mtu, final long bitsPerSecond, final NicConfig configA, final NicConfig configB)
    {
        memory = PhysicalMemory.allocateDirect(4096);
        // Counters for 32 live domains, not the default 1024 (42 MB zeroed per kernel, most of a short test's time).
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32);
        wire = new Wire(mtu, bitsPerSecond, mtu + Link.CRC_LENGTH, 1 << 18, clock);
        nicA = new Nic(kernel, "nicA", wire.a(), configA.clock(clock));
        nicB = new Nic(kernel, "nicB", wire.b(), configB.clock(clock));
    }

    NicRig(final int mtu)
    {
        this(mtu, Link.UNLIMITED, new NicConfig(), new NicConfig());
    }

    NicDriver driver(final Nic nic, final String name, final int ringSize, final NicDriver.Mode mode,
        final int budget, final RxHandler handler)
    {
        final Domain domain = kernel.createDomain(name);
        final NicDriver driver = new NicDriver(kernel, domain, nic, ringSize, mode, budget, handler);
        closeables.add(driver);
        return driver;
    }

    /**
     * Runs both devices and the given drivers' polls on this thread until {@code done} or {@code rounds} passes.
     */
    boolean pump(final int rounds, final BooleanSupplier done, final NicDriver... drivers)
    {
        for (int i = 0; i < rounds; i++)
        {
            if (done.getAsBoolean())
            {
                return true;
            }
            nicA.doWork();
            nicB.doWork();
            for (final NicDriver driver : drivers)
            {
                driver.poll(64);
            }
        }
        return done.getAsBoolean();
    }

    /** Puts {@code frames} generated frames on the a->b link (nicA must have no driver). */
    void generate(final int frames, final int length, final long seed)
    {
        final TrafficGenerator generator = new TrafficGenerator(wire.a().tx(), length, frames, 0, seed);
        while (generator.sent() < frames)
        {
            if (generator.doWork() == 0)
            {
                throw new IllegalStateException("the link took " + generator.sent() + " of " + frames + " frames");
            }
        }
    }

    static long crc32(final DirectBuffer buffer, final int offset, final int length)
    {
        final CRC32 crc = new CRC32();
        for (int i = 0; i < length; i++)
        {
            crc.update(buffer.getByte(offset + i));
        }
        return crc.getValue();
    }

    @Override
    public void close() throws Exception
    {
        for (final AutoCloseable closeable : closeables)
        {
            closeable.close();
        }
        nicA.close();
        nicB.close();
        kernel.close();
        memory.close();
    }
}
