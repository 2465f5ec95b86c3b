package io.barge.drivers.nic;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire: CRC drops, no-buffer drops, the MTU and the rate (a manual clock, exact counts).
 */
class NicWireTest
{
    @Test
    void framesWithACorruptCrcAreCountedAndDropped() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final int[] received = new int[1];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> received[0]++);
            final TrafficGenerator generator = new TrafficGenerator(rig.wire.a().tx(), 300, 30, 3, 7L);
            assertEquals(30, generator.doWork());
            rig.nicB.doWork();
            receiver.poll(64);
            assertEquals(20, received[0]);
            assertEquals(10, receiver.domain().counter(NicCounters.NIC_RX_CRC_ERRORS));
            assertEquals(20, receiver.domain().counter(NicCounters.NIC_RX_FRAMES));
        }
    }

    @Test
    void framesArrivingWithNoBufferPostedAreCountedAsRxNoBuffer() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final int[] received = new int[1];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> received[0]++);
            new TrafficGenerator(rig.wire.a().tx(), 64, 12, 0, 1L).doWork();
            rig.nicB.doWork();
            assertEquals(8, receiver.domain().counter(NicCounters.NIC_RX_FRAMES));
            assertEquals(4, receiver.domain().counter(NicCounters.NIC_RX_NO_BUFFER));
            assertEquals(8, receiver.poll(64));
            assertEquals(8, received[0]);

            new TrafficGenerator(rig.wire.a().tx(), 64, 3, 0, 2L).doWork();
            rig.nicB.doWork();
            receiver.poll(64);
            assertEquals(11, received[0], "buffers posted again take new frames");
            assertEquals(4, receiver.domain().counter(NicCounters.NIC_RX_NO_BUFFER));
        }
    }

    @Test
    void theLinkRateIsHonouredExactlyOnAManualClock() throws Exception
    {
        // 121 B payload + 4 B CRC = 1000 bits; at 8 Mbit/s a frame every 125 us; the bucket holds one frame.
        try (NicRig rig = new NicRig(121, 8_000_000, new NicConfig(), new NicConfig()))
        {
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 32, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[121]);
            for (int i = 0; i < 20; i++)
            {
                assertTrue(sender.send(payload, 0, 121));
            }
            rig.nicA.doWork();
            assertEquals(1, sender.domain().counter(NicCounters.NIC_TX_FRAMES), "one burst");
            for (int i = 0; i < 1000; i++)
            {
                rig.clock.advance(1_000);
                rig.nicA.doWork();
            }
            assertEquals(9, sender.domain().counter(NicCounters.NIC_TX_FRAMES), "eight more in 1 ms, 1 us at a time");
            rig.clock.advance(124_999);
            rig.nicA.doWork();
            assertEquals(9, sender.domain().counter(NicCounters.NIC_TX_FRAMES), "not one nanosecond early");
            rig.clock.advance(1);
            rig.nicA.doWork();
            assertEquals(10, sender.domain().counter(NicCounters.NIC_TX_FRAMES));
            rig.clock.advance(60_000_000_000L);
            rig.nicA.doWork();
            assertEquals(11, sender.domain().counter(NicCounters.NIC_TX_FRAMES), "a long idle fills one burst only");
            assertEquals(11, sender.poll(64), "completions as they went");
        }
    }

    @Test
    void anUnlimitedLinkTakesAWholeBudgetAtOnce() throws Exception
    {
        try (NicRig rig = new NicRig(121))
        {
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 32, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[121]);
            for (int i = 0; i < 20; i++)
            {
                assertTrue(sender.send(payload, 0, 121));
            }
            rig.nicA.doWork();
            assertEquals(20, sender.domain().counter(NicCounters.NIC_TX_FRAMES));
        }
    }

    @Test
    void theMtuIsEnforcedByTheDriverTheDeviceAndTheLink() throws Exception
    {
        try (NicRig rig = new NicRig(256))
        {
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[1024]);
            assertEquals(256, sender.mtu());
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> sender.send(payload, 0, 257));
            assertTrue(ex.getMessage().contains("mtu=256"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> rig.wire.a().tx().tryClaim(257 + Link.CRC_LENGTH));

            // A descriptor the device finds longer than the MTU completes with ERROR_OVERSIZE.
            assertTrue(sender.send(payload, 0, 100));
            final UnsafeBuffer ring = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(ring, sender.txRingFrame());
            NicDescriptor.post(ring, 0, sender.txBufferFrame(0), 0, 300);
            rig.nicA.doWork();
            final long word = NicDescriptor.writeBackWord(ring, 0);
            assertEquals(NicDescriptor.ERROR_OVERSIZE, NicDescriptor.error(word));
            assertEquals(0, rig.wire.a().tx().bytesInFlight());
            assertEquals(1, sender.poll(64));
        }
    }
}
