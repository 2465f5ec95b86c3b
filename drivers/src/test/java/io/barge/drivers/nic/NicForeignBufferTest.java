package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver for foreign buffers: its user posts frames it pinned, by frame, offset and length with a cookie, and learns
 * of each completion once, by cookie; a hostile device's write-backs are rejected as for the copying driver, and a
 * close cancels what is still posted.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NicForeignBufferTest
{
    private static final int RING = 8;

    private NicRig rig;
    private Domain owner;
    private final List<String> events = new ArrayList<>();
    private final List<String> rejections = new ArrayList<>();
    private final NicCompletionHandler recorder = new NicCompletionHandler()
    {
        @Override
        public void onTxDone(final long cookie, final int error)
        {
            events.add("tx " + cookie + " e" + error);
        }

        @Override
        public void onRxDone(final long cookie, final int length, final int error)
        {
            events.add("rx " + cookie + " " + length + " e" + error);
        }
    };

    @BeforeEach
    void setUp()
    {
        rig = new NicRig(1500);
        owner = rig.kernel.createDomain("owner");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        rig.close();
    }

    private NicDriver foreign(final Nic nic, final String name)
    {
        final Domain domain = rig.kernel.createDomain(name);
        final NicDriver driver = NicDriver.forForeignBuffers(rig.kernel, domain, nic, RING, NicDriver.Mode.POLLING,
            64, recorder).errorHandler(ex ->
            {
                assertTrue(ex instanceof ProtocolViolationException, ex.toString());
                rejections.add(ex.getMessage());
            });
        return driver;
    }

    private int pinnedFrame()
    {
        final int frame = rig.kernel.allocateFrame(owner, true);
        rig.kernel.pinFrame(owner, frame);
        return frame;
    }

    @Test
    void framesGoFromOneOwnersFrameToAnothersAndEachCookieIsReportedOnce()
    {
        final NicDriver tx = foreign(rig.nicA, "driverA");
        final NicDriver rx = foreign(rig.nicB, "driverB");
        final int source = pinnedFrame();
        final int target = pinnedFrame();
        final UnsafeBuffer src = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[0]);
        rig.kernel.wrapFrame(src, source);
        rig.kernel.wrapFrame(dst, target);
        for (int i = 0; i < 300; i++)
        {
            src.putByte(100 + i, (byte)(i * 3 + 1));
        }
        assertEquals(0, rx.rxPosted(), "the RX ring starts empty");
        assertTrue(rx.postRx(target, 1024, 512, 77));
        assertTrue(rx.postRx(target, 2048, 512, 78));
        assertTrue(tx.postTx(source, 100, 300, 11));
        assertTrue(tx.postTx(source, 100, 20, 12));
        assertTrue(rig.pump(100, () -> events.size() == 4, tx, rx));
        assertEquals(List.of("rx 77 300 e0", "rx 78 20 e0", "tx 11 e0", "tx 12 e0"), sorted(events));
        for (int i = 0; i < 300; i++)
        {
            assertEquals((byte)(i * 3 + 1), dst.getByte(1024 + i), "byte " + i);
        }
        assertEquals((byte)1, dst.getByte(2048));
        assertEquals(1, rig.kernel.pinCountOf(source), "the driver never unpins a foreign frame");
        assertEquals(1, rig.kernel.pinCountOf(target));
        assertEquals(0, rx.rxPosted());
        assertThrows(IllegalStateException.class, () -> tx.send(src, 0, 10), "no copying on a foreign driver");
        assertThrows(IllegalArgumentException.class, () -> tx.postTx(source, 4000, 200, 1), "crosses the frame");
        assertThrows(IllegalArgumentException.class, () -> tx.postTx(source, 0, 1501, 1), "over the MTU");
        rig.kernel.unpinFrame(source);
        rig.kernel.unpinFrame(target);
    }

    @Test
    void framesOffTheWireWithNoPostedBufferAreDroppedAndCountedPerDevice()
    {
        final NicDriver rx = foreign(rig.nicB, "driverB");
        rig.generate(3, 100, 5);
        rig.pump(10, () -> false, rx);
        assertEquals(3, rig.nicB.rxNoBufferDrops());
        assertEquals(0, rig.nicA.rxNoBufferDrops());
        assertEquals(List.of(), events);
    }

    @Test
    void aCopyingDriverRefusesForeignPosts()
    {
        final NicDriver copying = rig.driver(rig.nicB, "driverB", RING, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
        assertThrows(IllegalStateException.class, () -> copying.postRx(pinnedFrame(), 0, 100, 1));
    }

    @Test
    void hostileWriteBacksAreRejectedAndEachCookieStillReportedExactlyOnce()
    {
        final NicDriver driver = foreign(rig.nicB, "driverB");
        final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer rxRing = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer writeBack = new UnsafeBuffer(new byte[NicDescriptor.WRITE_BACK_LENGTH]);
        rig.kernel.wrapFrame(regs, rig.nicB.registerFrame());
        rig.kernel.wrapFrame(rxRing, driver.rxRingFrame());
        final int frame = pinnedFrame();
        for (int i = 0; i < 4; i++)
        {
            assertTrue(driver.postRx(frame, i * 1024, 256, 100 + i));
        }
        // The test plays the device (its agent never runs).
        NicRegistersDescriptor.rxHeadRelease(regs, 5); // beyond the tail: never posted
        assertEquals(0, driver.poll(64));
        NicDescriptor.writeBack(writeBack, 0, 0, 257, NicDescriptor.STATUS_DONE, 0); // longer than the posted 256
        rxRing.putBytes(NicDescriptor.descriptorOffset(0) + NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0,
            NicDescriptor.WRITE_BACK_LENGTH);
        NicDescriptor.writeBack(writeBack, 0, 0, 10, NicDescriptor.STATUS_DONE, 0); // position 1 replays 0
        rxRing.putBytes(NicDescriptor.descriptorOffset(1) + NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0,
            NicDescriptor.WRITE_BACK_LENGTH);
        NicDescriptor.writeBack(writeBack, 0, 2, 30, NicDescriptor.STATUS_DONE, 0); // a good one
        rxRing.putBytes(NicDescriptor.descriptorOffset(2) + NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0,
            NicDescriptor.WRITE_BACK_LENGTH);
        NicRegistersDescriptor.rxHeadRelease(regs, 3);
        assertEquals(3, driver.poll(64));
        NicRegistersDescriptor.rxHeadRelease(regs, 2); // goes back: completed twice
        assertEquals(0, driver.poll(64));
        assertEquals(List.of("rx 100 0 e256", "rx 101 0 e256", "rx 102 30 e0"), events);
        assertEquals(4, rejections.size(), rejections.toString());
        assertEquals(4, driver.domain().counter(NicCounters.NIC_COMPLETIONS_REJECTED));
        driver.close();
        assertEquals(List.of("rx 100 0 e256", "rx 101 0 e256", "rx 102 30 e0", "rx 103 0 e257"), events,
            "the one still posted is cancelled at close, once");
        driver.close();
        assertEquals(4, events.size());
        assertEquals(1, rig.kernel.pinCountOf(frame), "the owner's pin is the owner's");
        rig.kernel.unpinFrame(frame);
    }

    @Test
    void destroyingTheDriverDomainResetsTheDeviceThenCancelsEveryPostedBuffer()
    {
        final NicDriver tx = foreign(rig.nicA, "driverA");
        final int frame = pinnedFrame();
        assertTrue(tx.postTx(frame, 0, 64, 5));
        assertTrue(tx.postTx(frame, 64, 64, 6));
        final int free = rig.kernel.freeFrames();
        rig.kernel.destroyDomain(tx.domain());
        assertEquals(List.of("tx 5 e257", "tx 6 e257"), events);
        assertTrue(rig.kernel.freeFrames() > free, "the rings came back");
        rig.nicA.doWork();
        assertEquals(0, rig.nicA.rxNoBufferDrops());
        assertEquals(1, rig.kernel.pinCountOf(frame));
        rig.kernel.unpinFrame(frame);
    }

    @Test
    void aBurstIsPostedBehindOneDoorbellAndWhatTheRingCannotTakeStaysStaged()
    {
        final NicDriver tx = foreign(rig.nicA, "driverA");
        final NicDriver rx = foreign(rig.nicB, "driverB");
        final UnsafeBuffer regsA = frameView(rig.nicA.registerFrame());
        final UnsafeBuffer regsB = frameView(rig.nicB.registerFrame());
        final int source = pinnedFrame();
        final int target = pinnedFrame();
        final UnsafeBuffer src = frameView(source);
        final UnsafeBuffer dst = frameView(target);
        for (int i = 0; i < 3 * 64; i++)
        {
            src.putByte(i, (byte)(i + 7));
        }
        final NicBurst rxBurst = new NicBurst(RING + 2);
        for (int i = 0; i < RING + 2; i++)
        {
            rxBurst.add(target, i * 256, 256, 200 + i);
        }
        assertEquals(RING, rx.postRx(rxBurst), "the ring takes 8 of 10");
        assertEquals(2, rxBurst.count(), "the rest stay staged");
        assertEquals(RING, NicRegistersDescriptor.rxTailAcquire(regsB), "one doorbell for the whole burst");
        assertEquals(0, rx.postRx(rxBurst), "a full ring takes none");
        assertEquals(2, rxBurst.count());

        final NicBurst txBurst = new NicBurst(4);
        txBurst.add(source, 0, 64, 1);
        txBurst.add(source, 64, 64, 2);
        txBurst.add(source, 128, 64, 3);
        assertEquals(0, NicRegistersDescriptor.txTailAcquire(regsA), "staging rings nothing");
        assertEquals(3, tx.postTx(txBurst));
        assertEquals(0, txBurst.count());
        assertEquals(3, NicRegistersDescriptor.txTailAcquire(regsA));
        assertTrue(rig.pump(100, () -> events.size() == 6, tx, rx));
        assertEquals(List.of("rx 200 64 e0", "rx 201 64 e0", "rx 202 64 e0", "tx 1 e0", "tx 2 e0", "tx 3 e0"),
            sorted(events));
        for (int f = 0; f < 3; f++)
        {
            for (int i = 0; i < 64; i++)
            {
                assertEquals((byte)(f * 64 + i + 7), dst.getByte(f * 256 + i), "frame " + f + " byte " + i);
            }
        }
        assertEquals(2, rx.postRx(rxBurst), "the staged rest go in once the ring has room");
        assertEquals(0, rxBurst.count());

        txBurst.add(source, 0, 64, 4);
        txBurst.add(source, 4000, 200, 5); // crosses the frame
        assertThrows(IllegalArgumentException.class, () -> tx.postTx(txBurst));
        assertEquals(2, txBurst.count(), "a bad buffer posts none of the burst");
        assertEquals(3, NicRegistersDescriptor.txTailAcquire(regsA));
        txBurst.clear();
        txBurst.add(source, 0, 1, 6);
        txBurst.add(source, 0, 1, 7);
        txBurst.add(source, 0, 1, 8);
        txBurst.add(source, 0, 1, 9);
        assertThrows(IllegalStateException.class, () -> txBurst.add(source, 0, 1, 10), "burst full");
        txBurst.clear();
        rx.close();
        assertEquals(RING + 2 + 3, events.size(), "the 7 still posted are cancelled at close");
        final NicDriver copying = rig.driver(rig.nicB, "driverC", RING, NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
        rxBurst.add(target, 0, 256, 300);
        assertThrows(IllegalStateException.class, () -> copying.postRx(rxBurst), "a copying driver takes no burst");
        assertEquals(1, rig.kernel.pinCountOf(source), "the driver never unpins a foreign frame");
        assertEquals(1, rig.kernel.pinCountOf(target));
        rig.kernel.unpinFrame(source);
        rig.kernel.unpinFrame(target);
    }

    private UnsafeBuffer frameView(final int frame)
    {
        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        rig.kernel.wrapFrame(view, frame);
        return view;
    }

    private static List<String> sorted(final List<String> list)
    {
        final List<String> copy = new ArrayList<>(list);
        copy.sort(null);
        return copy;
    }
}
