package io.barge.drivers.idd;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Status;
import io.barge.drivers.nic.NicConfig;
import io.barge.drivers.nic.NicDriver;

import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;

/**
 * A machine with guests and a driver domain, all pumped on the test's thread: the devices, the driver domain's
 * waitset, and whatever each test asks of the guests.
 */
final class IddRig implements AutoCloseable
{
    final PhysicalMemory memory;
    final Kernel kernel;
    final Domain[] guests;
    final int freeAtStart;
    final long[][] received;
    DriverDomain idd;

    IddRig(final int guestCount, final int frames)
    {
        memory = PhysicalMemory.allocateDirect(frames);
        // Counters for 32 live domains, not the default 1024 (42 MB zeroed per kernel, most of a short test's time).
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32);
        guests = new Domain[guestCount];
        for (int i = 0; i < guestCount; i++)
        {
            guests[i] = kernel.createDomain("guest" + i);
        }
        freeAtStart = kernel.freeFrames();
        received = new long[guestCount][];
    }

    DriverDomain attach(final IddConfig config)
    {
        idd = new DriverDomain(kernel, "idd", guests, config);
        return idd;
    }

    /**
     * Small rings, and an interrupt per completion: no coalescing timer, so what a test sees does not depend on how
     * fast the machine runs it.
     */
    static IddConfig small(final IddPath path, final String grants)
    {
        return new IddConfig().path(path).grants(grants).sizes(16, 16).budget(16)
            .interrupts(NicDriver.Mode.POLLING, 1, NicConfig.NO_TIME_THRESHOLD);
    }

    /** Claims, stamps (guest, sequence, length) into the payload and commits; false if back pressured. */
    static boolean send(final GuestNic nic, final Claim claim, final int guest, final long sequence, final int length)
    {
        if (nic.tryClaim(length, claim) != Status.OK)
        {
            return false;
        }
        claim.putLong(0, ((long)guest << 48) | sequence);
        for (int i = 8; i < length; i++)
        {
            claim.putByte(i, pattern(guest, sequence, i));
        }
        nic.commit(claim);
        return true;
    }

    static byte pattern(final int guest, final long sequence, final int index)
    {
        return (byte)(guest * 31 + sequence * 7 + index);
    }

    /**
     * Runs the driver domain until it is idle, the devices once, the driver domain until idle again: every buffer a
     * guest gave back is posted again before the devices run, so an RX ring runs dry only when a guest does not
     * consume (what the tests of drops set up), never because of the order the test runs things in.
     */
    int pump()
    {
        return settle() + idd.pumpDevices() + settle();
    }

    private int settle()
    {
        int work = 0;
        for (int i = 0; i < 1000; i++)
        {
            final int done = idd.doWork();
            if (done == 0)
            {
                break;
            }
            work += done;
        }
        return work;
    }

    boolean pumpUntil(final int rounds, final BooleanSupplier done)
    {
        for (int i = 0; i < rounds; i++)
        {
            if (done.getAsBoolean())
            {
                return true;
            }
            pump();
        }
        return done.getAsBoolean();
    }

    /** Closes the driver domain and checks that every frame came back (the guests own none). */
    void closeAndCheckFrames(final DriverDomain driverDomain)
    {
        driverDomain.close();
        org.junit.jupiter.api.Assertions.assertEquals(freeAtStart, kernel.freeFrames(), "every frame back");
    }

    static long stamp(final io.barge.core.transport.Message message)
    {
        return message.getLong(0, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close()
    {
        if (idd != null)
        {
            idd.close();
        }
        kernel.close();
        memory.close();
    }
}
