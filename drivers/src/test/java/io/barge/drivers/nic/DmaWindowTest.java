package io.barge.drivers.nic;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device's payload DMA window: one hold per frame while consecutive transfers reach it, every transfer still
 * refused once the driver's pin is gone, out-of-range transfers refused with nothing moved.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DmaWindowTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain driver;
    private int frame;
    private final UnsafeBuffer device = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer bytes = new UnsafeBuffer(new byte[0]);

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(16);
        kernel = new Kernel(memory);
        driver = kernel.createDomain("driver");
        frame = kernel.allocateFrame(driver, true);
        kernel.wrapFrame(bytes, frame);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void consecutiveTransfersIntoOneFrameShareOneHoldUntilTheRelease()
    {
        kernel.pinFrame(driver, frame);
        final DmaWindow window = new DmaWindow(kernel);
        device.putByte(0, (byte)7);
        device.putByte(1, (byte)9);
        assertTrue(window.write(frame, 100, device, 0, 1));
        assertEquals(2, kernel.pinCountOf(frame), "the driver's pin and the device's hold");
        assertTrue(window.write(frame, 200, device, 1, 1));
        assertEquals(2, kernel.pinCountOf(frame), "no second hold for the same frame");
        assertEquals((byte)7, bytes.getByte(100));
        assertEquals((byte)9, bytes.getByte(200));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[2]);
        assertTrue(window.read(frame, 100, out, 0, 1));
        assertEquals((byte)7, out.getByte(0));
        window.release();
        assertEquals(1, kernel.pinCountOf(frame), "the pass's end drops the hold");
        assertEquals(-1, window.held());
        kernel.unpinFrame(frame);
    }

    @Test
    void aFrameTheDriverUnpinnedWhileHeldIsAFaultAtItsNextTransfer()
    {
        kernel.pinFrame(driver, frame);
        final DmaWindow window = new DmaWindow(kernel);
        device.putByte(0, (byte)5);
        assertTrue(window.write(frame, 0, device, 0, 1));
        kernel.unpinFrame(frame); // the driver's pin goes; only the device's hold is left
        assertEquals(1, kernel.pinCountOf(frame));
        device.putByte(0, (byte)6);
        assertFalse(window.write(frame, 8, device, 0, 1), "no driver pin: refused");
        assertEquals((byte)0, bytes.getByte(8), "nothing written");
        assertEquals(0, kernel.pinCountOf(frame), "the hold went with the refusal");
        assertEquals(-1, window.held());
        assertFalse(window.write(frame, 8, device, 0, 1), "never pinned now: refused");
        assertEquals((byte)0, bytes.getByte(8));
    }

    @Test
    void aFrameNeverPinnedOrARangeOutsideTheFrameIsRefusedWithNothingMoved()
    {
        final DmaWindow window = new DmaWindow(kernel);
        device.putByte(0, (byte)1);
        assertFalse(window.write(frame, 0, device, 0, 1), "not pinned");
        assertEquals((byte)0, bytes.getByte(0));
        kernel.pinFrame(driver, frame);
        final int size = memory.frameSize();
        assertFalse(window.write(frame, size - 1, device, 0, 2), "leaves the frame");
        assertFalse(window.write(frame, -1, device, 0, 1), "negative offset");
        assertFalse(window.write(-1, 0, device, 0, 1), "no such frame");
        assertFalse(window.write(memory.frameCount(), 0, device, 0, 1), "beyond memory");
        assertEquals(1, kernel.pinCountOf(frame), "no hold taken by a refusal");
        final int other = kernel.allocateFrame(driver, true);
        kernel.pinFrame(driver, other);
        assertTrue(window.write(frame, 0, device, 0, 1));
        assertTrue(window.write(other, 0, device, 0, 1));
        assertEquals(1, kernel.pinCountOf(frame), "moving to another frame drops the first hold");
        assertEquals(2, kernel.pinCountOf(other));
        window.release();
        kernel.unpinFrame(frame);
        kernel.unpinFrame(other);
    }
}
