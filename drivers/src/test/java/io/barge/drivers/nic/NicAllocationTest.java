package io.barge.drivers.nic;

import io.barge.core.notify.Waitset;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady state allocates nothing: send, device TX, wire, device RX, interrupt, driver reap and repost, on one thread
 * (JIT noise allowed for: a budget far below one byte per frame).
 */
class NicAllocationTest
{
    private static final int FRAMES = 100_000;
    private static final long BUDGET_BYTES = 16 * 1024;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void run(final NicRig rig, final NicDriver sender, final NicDriver receiver,
        final Waitset waitset, final UnsafeBuffer payload, final long[] received, final int frames)
    {
        final long target = received[0] + frames;
        long sent = received[0];
        for (int round = 0; round < 10 * frames && received[0] < target; round++)
        {
            while (sent < target && sent - received[0] < 32 && sender.send(payload, 0, payload.capacity()))
            {
                sent++;
            }
            rig.nicA.doWork();
            rig.nicB.doWork();
            sender.poll(64);
            if (waitset == null)
            {
                receiver.poll(64);
            }
            else
            {
                while (waitset.poll())
                {
                    // interrupt handlers and follow-up polls
                }
            }
        }
        assertEquals(target, received[0]);
    }

    @ParameterizedTest
    @EnumSource(NicDriver.Mode.class)
    void steadyStateTransfersAllocateNothing(final NicDriver.Mode mode) throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final long[] received = new long[1];
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, mode, 16, (b, o, l) -> received[0]++);
            final Waitset waitset = new Waitset("driverB");
            receiver.register(waitset);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[256]);
            run(rig, sender, receiver, waitset, payload, received, FRAMES); // warm-up
            final long before = allocatedBytes();
            run(rig, sender, receiver, waitset, payload, received, FRAMES);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < BUDGET_BYTES, mode + " allocated " + allocated + " bytes for " + FRAMES + " frames");
        }
    }
}
