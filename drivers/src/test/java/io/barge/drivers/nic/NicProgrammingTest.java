package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device protects itself from a driver that programs it wrongly: one driver at a time, a ring configuration
 * copied once and validated, an impossible tail ignored, a ring that stops being pinned stops the device.
 */
class NicProgrammingTest
{
    @Test
    void aSecondDriverIsRefusedAndLeavesNothingBehind() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final Domain second = rig.kernel.createDomain("second");
            final LeakCheck leaks = LeakCheck.of(rig.kernel);
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> new NicDriver(rig.kernel, second, rig.nicA, 8, NicDriver.Mode.POLLING, 64, (b, o, l) -> { }));
            assertTrue(ex.getMessage().contains("already has driver"), ex.getMessage());
            leaks.assertNothingLeaked();
        }
    }

    @Test
    void aBadRingConfigurationIsRefusedAndTheDeviceStaysDisabled() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final NicDriver driver = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(regs, rig.nicA.registerFrame());
            regs.putInt(NicRegistersDescriptor.TX_RING_SIZE_OFFSET, 6); // not a power of two
            assertTrue(driver.send(new UnsafeBuffer(new byte[64]), 0, 64));
            rig.nicA.doWork();
            rig.nicA.doWork();
            assertEquals(NicRegistersDescriptor.STATUS_CONFIG_ERROR, NicRegistersDescriptor.statusAcquire(regs));
            assertEquals(1, driver.domain().counter(NicCounters.NIC_RING_ERRORS), "refused once");
            assertEquals(0, driver.domain().counter(NicCounters.NIC_TX_FRAMES));
        }
    }

    @Test
    void anImpossibleTailIsIgnoredAndCounted() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final NicDriver driver = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(regs, rig.nicA.registerFrame());
            NicRegistersDescriptor.txTailRelease(regs, 9); // nine descriptors in a ring of eight
            rig.nicA.doWork();
            rig.nicA.doWork();
            assertEquals(1, driver.domain().counter(NicCounters.NIC_RING_ERRORS), "once per bad value");
            NicRegistersDescriptor.txTailRelease(regs, -1);
            rig.nicA.doWork();
            assertEquals(2, driver.domain().counter(NicCounters.NIC_RING_ERRORS));
            assertEquals(0, driver.domain().counter(NicCounters.NIC_TX_FRAMES));
            assertEquals(0, driver.domain().counter(NicCounters.NIC_TX_ERRORS));
        }
    }

    @Test
    void aRingThatIsNoLongerPinnedStopsTheDevice() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final NicDriver driver = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(regs, rig.nicA.registerFrame());
            rig.kernel.unpinFrame(driver.txRingFrame()); // a buggy driver
            assertTrue(driver.send(new UnsafeBuffer(new byte[64]), 0, 64));
            rig.nicA.doWork();
            assertEquals(NicRegistersDescriptor.STATUS_RING_FAULT | NicRegistersDescriptor.STATUS_CONFIG_ERROR,
                NicRegistersDescriptor.statusAcquire(regs));
            assertEquals(1, driver.domain().counter(NicCounters.NIC_RING_ERRORS));
            assertEquals(1, driver.domain().counter(io.barge.core.device.DeviceCounters.DMA_FAULTS));
            assertEquals(0, driver.domain().counter(NicCounters.NIC_TX_FRAMES));
            rig.kernel.pinFrame(driver.domain(), driver.txRingFrame()); // so that the driver's close unpins it
        }
    }

    @Test
    void aDriverWhoseDeviceWasClosedIsToldAndStillReturnsItsFrames() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final LeakCheck leaks = LeakCheck.of(rig.kernel);
            final Nic nic = new Nic(rig.kernel, "nicC", rig.wire.a(), new NicConfig()); // nicA stays idle
            final Domain domain = rig.kernel.createDomain("driverC");
            final NicDriver driver = new NicDriver(rig.kernel, domain, nic, 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            assertTrue(driver.send(new UnsafeBuffer(new byte[64]), 0, 64));
            nic.close();
            final IllegalStateException ex = assertThrows(IllegalStateException.class,
                () -> driver.send(new UnsafeBuffer(new byte[64]), 0, 64));
            assertTrue(ex.getMessage().contains("was closed"), ex.getMessage());
            driver.close();
            rig.kernel.destroyDomain(domain);
            leaks.assertNothingLeaked();
        }
    }
}
