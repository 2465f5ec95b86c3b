package io.barge.drivers.nic;

import io.barge.core.ProtocolViolationException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test plays a hostile device (its agent never runs): it writes heads and write-backs the driver never asked
 * for. Each is rejected and counted; buffers are recycled by the driver's own record, once.
 */
class NicHostileDeviceTest
{
    private static final int RING = 8;
    private static final int OFFSET0 = NicDescriptor.descriptorOffset(0);
    private static final int OFFSET1 = NicDescriptor.descriptorOffset(1);

    private NicRig rig;
    private NicDriver driver;
    private final List<String> rejections = new ArrayList<>();
    private final List<Integer> delivered = new ArrayList<>();
    private final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer rxRing = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer txRing = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer writeBack = new UnsafeBuffer(new byte[NicDescriptor.WRITE_BACK_LENGTH]);

    @BeforeEach
    void setUp()
    {
        rig = new NicRig(1500);
        driver = rig.driver(rig.nicB, "driverB", RING, NicDriver.Mode.POLLING, 64, (b, o, l) -> delivered.add(l))
            .errorHandler(ex ->
            {
                assertTrue(ex instanceof ProtocolViolationException, ex.toString());
                rejections.add(ex.getMessage());
            });
        rig.kernel.wrapFrame(regs, rig.nicB.registerFrame());
        rig.kernel.wrapFrame(rxRing, driver.rxRingFrame());
        rig.kernel.wrapFrame(txRing, driver.txRingFrame());
    }

    @AfterEach
    void tearDown() throws Exception
    {
        rig.close();
    }

    private void complete(final UnsafeBuffer ring, final int offset, final int sequence, final int length)
    {
        NicDescriptor.writeBack(writeBack, 0, sequence, length, NicDescriptor.STATUS_DONE, 0);
        ring.putBytes(offset + NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0, NicDescriptor.WRITE_BACK_LENGTH);
    }

    private long rejected()
    {
        return driver.domain().counter(NicCounters.NIC_COMPLETIONS_REJECTED);
    }

    @Test
    void aHeadBeyondTheTailCompletesDescriptorsNeverPostedAndIsRejected()
    {
        NicRegistersDescriptor.rxHeadRelease(regs, RING + 1); // the driver posted RING buffers
        assertEquals(0, driver.poll(64));
        assertEquals(1, rejected());
        assertTrue(rejections.get(0).contains("never posted"), rejections.get(0));
        assertEquals(0, driver.poll(64));
        assertEquals(1, rejected(), "the same bad head is reported once");
        assertEquals(List.of(), delivered);

        NicRegistersDescriptor.txHeadRelease(regs, 1); // nothing was sent
        assertEquals(0, driver.poll(64));
        assertEquals(2, rejected());
        for (int slot = 0; slot < RING; slot++)
        {
            assertEquals(1, rig.kernel.pinCountOf(driver.rxBufferFrame(slot)), "RX buffer " + slot + " as posted");
            assertEquals(0, rig.kernel.pinCountOf(driver.txBufferFrame(slot)), "TX buffer " + slot + " untouched");
        }
    }

    @Test
    void aWriteBackNamingAPositionNeverPostedIsRejectedAndItsBufferRecycled()
    {
        complete(rxRing, OFFSET0, 5, 100);
        NicRegistersDescriptor.rxHeadRelease(regs, 1);
        assertEquals(1, driver.poll(64));
        assertEquals(1, rejected());
        assertTrue(rejections.get(0).contains("never posted"), rejections.get(0));
        assertEquals(List.of(), delivered);
        assertEquals(driver.rxBufferFrame(0), NicDescriptor.bufferFrame(rxRing, OFFSET0), "posted again");
        assertEquals(0, NicDescriptor.writeBackWord(rxRing, OFFSET0), "with a clean device half");
        assertEquals(1, rig.kernel.pinCountOf(driver.rxBufferFrame(0)), "pinned once, not twice, not zero");
    }

    @Test
    void aCompletionMadeTwiceIsRejectedWhetherTheHeadGoesBackOrTheSequenceIsReplayed()
    {
        complete(rxRing, OFFSET0, 0, 10);
        NicRegistersDescriptor.rxHeadRelease(regs, 1);
        assertEquals(1, driver.poll(64));
        assertEquals(List.of(10), delivered);

        NicRegistersDescriptor.rxHeadRelease(regs, 0);
        assertEquals(0, driver.poll(64));
        assertEquals(1, rejected());
        assertTrue(rejections.get(0).contains("twice"), rejections.get(0));

        complete(rxRing, OFFSET1, 0, 10); // position 1 claims to be position 0 again
        NicRegistersDescriptor.rxHeadRelease(regs, 2);
        assertEquals(1, driver.poll(64));
        assertEquals(2, rejected());
        assertTrue(rejections.get(1).contains("twice"), rejections.get(1));
        assertEquals(List.of(10), delivered, "delivered once");
        assertEquals(1, rig.kernel.pinCountOf(driver.rxBufferFrame(1)));
    }

    @Test
    void aTxCompletionMadeTwiceNeverUnpinsTwice()
    {
        assertTrue(driver.send(new UnsafeBuffer(new byte[64]), 0, 64));
        assertEquals(1, rig.kernel.pinCountOf(driver.txBufferFrame(0)));
        complete(txRing, OFFSET0, 0, 64);
        NicRegistersDescriptor.txHeadRelease(regs, 1);
        assertEquals(1, driver.poll(64));
        assertEquals(0, rig.kernel.pinCountOf(driver.txBufferFrame(0)));
        assertEquals(0, rejected());

        NicRegistersDescriptor.txHeadRelease(regs, 0);
        assertEquals(0, driver.poll(64));
        NicRegistersDescriptor.txHeadRelease(regs, 1);
        assertEquals(0, driver.poll(64), "back at the reaped position: nothing to do again");
        assertEquals(1, rejected());
        assertEquals(0, rig.kernel.pinCountOf(driver.txBufferFrame(0)), "no second unpin");
        assertEquals(0, driver.txInFlight());
    }

    @Test
    void anRxCompletionLongerThanThePostedBufferIsRejectedAndNotDelivered()
    {
        complete(rxRing, OFFSET0, 0, rig.memory.frameSize() + 1);
        NicRegistersDescriptor.rxHeadRelease(regs, 1);
        assertEquals(1, driver.poll(64));
        assertEquals(1, rejected());
        assertTrue(rejections.get(0).contains("exceeds the posted buffer"), rejections.get(0));
        assertEquals(List.of(), delivered);
        assertEquals(1, rig.kernel.pinCountOf(driver.rxBufferFrame(0)));

        complete(rxRing, OFFSET1, 1, 20);
        NicRegistersDescriptor.rxHeadRelease(regs, 2);
        assertEquals(1, driver.poll(64));
        assertEquals(List.of(20), delivered, "a good completion after a bad one is delivered");
    }

    @Test
    void aHeadPastAWriteBackThatIsNotDoneIsRejected()
    {
        NicRegistersDescriptor.rxHeadRelease(regs, 1);
        assertEquals(1, driver.poll(64));
        assertEquals(1, rejected());
        assertTrue(rejections.get(0).contains("not DONE"), rejections.get(0));
        assertEquals(List.of(), delivered);
    }
}
