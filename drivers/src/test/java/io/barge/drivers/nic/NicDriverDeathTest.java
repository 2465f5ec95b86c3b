package io.barge.drivers.nic;

import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver domain destroyed mid-transfer: the device is reset first, every frame of the domain comes back, the
 * peer goes on, and a new driver can attach to the same device.
 */
class NicDriverDeathTest
{
    @Test
    void aSenderDomainDestroyedMidTransferReturnsEveryFrameAndANewDriverAttaches() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final long[] received = new long[3];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> received[b.getByte(o) == (byte)0xA2 ? 1 : 0]++);
            final LeakCheck leaks = LeakCheck.of(rig.kernel);
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 32, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[1000]);
            for (int i = 0; i < 32; i++)
            {
                assertTrue(sender.send(payload, 0, 1000));
            }
            rig.nicA.doWork(); // 32 on the wire, their completions not reaped: TX buffers still pinned
            for (int i = 0; i < 20; i++)
            {
                assertTrue(sender.poll(1) + 1 > 0);
            }
            for (int i = 0; i < 20; i++)
            {
                assertTrue(sender.send(payload, 0, 1000)); // 20 more posted, not yet fetched by the device
            }
            assertTrue(sender.txInFlight() > 0);

            rig.kernel.destroyDomain(sender.domain());
            leaks.assertNothingLeaked();
            assertThrows(IllegalStateException.class, () -> sender.send(payload, 0, 10));
            assertFalse(sender.line().isBound());

            rig.pump(10, () -> false, receiver); // the device, now without a driver, sends nothing more
            assertEquals(32, received[0], "what was on the wire before the death still arrives");

            final NicDriver successor = rig.driver(rig.nicA, "driverA2", 32, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            payload.putByte(0, (byte)0xA2);
            for (int i = 0; i < 10; i++)
            {
                assertTrue(successor.send(payload, 0, 1000));
            }
            rig.pump(20, () -> received[1] == 10, receiver, successor);
            assertEquals(10, received[1]);
            assertEquals(32, received[0]);
            rig.pump(5, () -> successor.txInFlight() == 0, successor);
            successor.close();
            leaks.assertNothingLeaked();
        }
    }

    @Test
    void aReceiverDomainDestroyedMidTransferLeavesTheSenderGoingAndReturnsEveryFrame() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final LeakCheck leaks = LeakCheck.of(rig.kernel);
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 16, NicDriver.Mode.INTERRUPT, 8,
                (b, o, l) -> { });
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[500]);
            for (int i = 0; i < 40; i++)
            {
                assertTrue(sender.send(payload, 0, 500));
            }
            rig.nicA.doWork();
            rig.nicB.doWork(); // 16 written into posted buffers, 24 dropped: no buffer
            rig.kernel.destroyDomain(receiver.domain());
            leaks.assertNothingLeaked();

            for (int i = 0; i < 10; i++)
            {
                assertTrue(sender.send(payload, 0, 500));
            }
            rig.pump(10, () -> sender.txInFlight() == 0, sender);
            assertEquals(0, sender.txInFlight(), "the sender's completions all come back");
            assertEquals(50, sender.domain().counter(NicCounters.NIC_TX_FRAMES));
            assertTrue(rig.kernel.kernelDomain().counter(NicCounters.NIC_RX_NO_BUFFER) >= 10,
                "frames for the dead driver are dropped and counted on the kernel");
        }
    }
}
