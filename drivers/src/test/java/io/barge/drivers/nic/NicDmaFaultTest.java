package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.core.device.DeviceCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A descriptor that names a frame nobody pinned (a buggy or hostile driver) makes the device's DMA fault: counted,
 * the descriptor completed with ERROR, nothing transferred.
 */
class NicDmaFaultTest
{
    private static final int MTU = 1500;

    @Test
    void aTxDescriptorNamingAnUnpinnedFrameCompletesWithErrorAndPutsNothingOnTheWire() throws Exception
    {
        try (NicRig rig = new NicRig(MTU))
        {
            final int[] received = new int[1];
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> received[0]++);
            final Domain victim = rig.kernel.createDomain("victim");
            final int victimFrame = rig.kernel.allocateFrame(victim, true);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[100]);
            assertEquals(true, sender.send(payload, 0, 100));

            final UnsafeBuffer ring = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(ring, sender.txRingFrame());
            NicDescriptor.post(ring, NicDescriptor.descriptorOffset(0), victimFrame, 0, 100); // forged by the test
            rig.nicA.doWork();

            final long word = NicDescriptor.writeBackWord(ring, NicDescriptor.descriptorOffset(0));
            assertEquals(NicDescriptor.STATUS_DONE | NicDescriptor.STATUS_ERROR, NicDescriptor.status(word));
            assertEquals(NicDescriptor.ERROR_DMA_FAULT, NicDescriptor.error(word));
            assertEquals(0, NicDescriptor.completedLength(word));
            assertEquals(1, sender.domain().counter(DeviceCounters.DMA_FAULTS));
            assertEquals(1, sender.domain().counter(NicCounters.NIC_TX_ERRORS));
            assertEquals(0, sender.domain().counter(NicCounters.NIC_TX_FRAMES));
            rig.nicB.doWork();
            assertEquals(0, rig.wire.a().tx().bytesInFlight());
            assertEquals(0, receiver.domain().counter(NicCounters.NIC_RX_FRAMES) +
                receiver.domain().counter(NicCounters.NIC_RX_CRC_ERRORS) +
                receiver.domain().counter(NicCounters.NIC_RX_LENGTH_ERRORS), "nothing went on the wire");

            assertEquals(1, sender.poll(64), "the failed completion is reaped");
            assertEquals(0, sender.txInFlight());
            assertEquals(0, rig.kernel.pinCountOf(sender.txBufferFrame(0)), "its buffer unpinned once");

            assertEquals(true, sender.send(payload, 0, 100));
            rig.pump(10, () -> received[0] == 1, sender, receiver);
            assertEquals(1, received[0], "the next frame goes through");
        }
    }

    @Test
    void anRxDescriptorNamingAnUnpinnedFrameCompletesWithErrorAndWritesNothing() throws Exception
    {
        try (NicRig rig = new NicRig(MTU))
        {
            final int[] received = new int[1];
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 8, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 8, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> received[0]++);
            final Domain victim = rig.kernel.createDomain("victim");
            final int victimFrame = rig.kernel.allocateFrame(victim, false);
            final UnsafeBuffer victimView = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(victimView, victimFrame);
            victimView.setMemory(0, victimView.capacity(), (byte)0x5A);

            final UnsafeBuffer ring = new UnsafeBuffer(new byte[0]);
            rig.kernel.wrapFrame(ring, receiver.rxRingFrame());
            NicDescriptor.post(ring, NicDescriptor.descriptorOffset(0), victimFrame, 0, 4096); // forged by the test

            final UnsafeBuffer payload = new UnsafeBuffer(new byte[200]);
            payload.setMemory(0, 200, (byte)0x11);
            sender.send(payload, 0, 200);
            rig.nicA.doWork();
            rig.nicB.doWork();

            for (int i = 0; i < victimView.capacity(); i++)
            {
                assertEquals((byte)0x5A, victimView.getByte(i), "victim byte " + i + " untouched");
            }
            final long word = NicDescriptor.writeBackWord(ring, NicDescriptor.descriptorOffset(0));
            assertEquals(NicDescriptor.STATUS_DONE | NicDescriptor.STATUS_ERROR, NicDescriptor.status(word));
            assertEquals(NicDescriptor.ERROR_DMA_FAULT, NicDescriptor.error(word));
            assertEquals(1, receiver.domain().counter(DeviceCounters.DMA_FAULTS));
            assertEquals(1, receiver.domain().counter(NicCounters.NIC_RX_ERRORS));

            assertEquals(1, receiver.poll(64), "the failed completion is handled");
            assertEquals(0, received[0], "and not delivered");
            assertEquals(receiver.rxBufferFrame(0),
                NicDescriptor.bufferFrame(ring, NicDescriptor.descriptorOffset(0)), "the driver's own buffer reposted");
            assertEquals(1, rig.kernel.pinCountOf(receiver.rxBufferFrame(0)));

            sender.send(payload, 0, 200);
            rig.pump(10, () -> received[0] == 1, sender, receiver);
            assertEquals(1, received[0], "the next frame goes through");
        }
    }
}
