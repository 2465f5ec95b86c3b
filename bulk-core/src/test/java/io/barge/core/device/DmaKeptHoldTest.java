package io.barge.core.device;

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
 * A DMA engine that keeps its hold through a pass (a NIC's payload engine): one hold per frame while consecutive
 * transfers reach it, every transfer still refused once the driver's pin is gone, out-of-range transfers refused
 * with nothing moved, the bytes counted at the pass's end.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DmaKeptHoldTest
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
        final Dma window = new Dma(kernel, driver, true);
        device.putByte(0, (byte)7);
        device.putByte(1, (byte)9);
        assertTrue(window.tryWrite(frame, 100, device, 0, 1));
        assertEquals(2, kernel.pinCountOf(frame), "the driver's pin and the device's hold");
        assertTrue(window.tryWrite(frame, 200, device, 1, 1));
        assertEquals(2, kernel.pinCountOf(frame), "no second hold for the same frame");
        assertEquals((byte)7, bytes.getByte(100));
        assertEquals((byte)9, bytes.getByte(200));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[2]);
        assertTrue(window.tryRead(frame, 100, out, 0, 1));
        assertEquals((byte)7, out.getByte(0));
        assertEquals(0, driver.counter(DeviceCounters.DMA_BYTES), "counted at the pass's end");
        window.endPass();
        assertEquals(3, driver.counter(DeviceCounters.DMA_BYTES));
        assertEquals(1, kernel.pinCountOf(frame), "the pass's end drops the hold");
        assertEquals(-1, window.held());
        kernel.unpinFrame(frame);
    }

    @Test
    void aFrameTheDriverUnpinnedWhileHeldIsAFaultAtItsNextTransfer()
    {
        kernel.pinFrame(driver, frame);
        final Dma window = new Dma(kernel, driver, true);
        device.putByte(0, (byte)5);
        assertTrue(window.tryWrite(frame, 0, device, 0, 1));
        kernel.unpinFrame(frame); // the driver's pin goes; only the device's hold is left
        assertEquals(1, kernel.pinCountOf(frame));
        device.putByte(0, (byte)6);
        assertFalse(window.tryWrite(frame, 8, device, 0, 1), "no driver pin: refused");
        assertEquals((byte)0, bytes.getByte(8), "nothing written");
        assertEquals(0, kernel.pinCountOf(frame), "the hold went with the refusal");
        assertEquals(-1, window.held());
        assertFalse(window.tryWrite(frame, 8, device, 0, 1), "never pinned now: refused");
        assertEquals((byte)0, bytes.getByte(8));
    }

    @Test
    void aFrameNeverPinnedOrARangeOutsideTheFrameIsRefusedWithNothingMoved()
    {
        final Dma window = new Dma(kernel, driver, true);
        device.putByte(0, (byte)1);
        assertFalse(window.tryWrite(frame, 0, device, 0, 1), "not pinned");
        assertEquals((byte)0, bytes.getByte(0));
        kernel.pinFrame(driver, frame);
        final int size = memory.frameSize();
        assertFalse(window.tryWrite(frame, size - 1, device, 0, 2), "leaves the frame");
        assertFalse(window.tryWrite(frame, -1, device, 0, 1), "negative offset");
        assertFalse(window.tryWrite(-1, 0, device, 0, 1), "no such frame");
        assertFalse(window.tryWrite(memory.frameCount(), 0, device, 0, 1), "beyond memory");
        assertEquals(1, kernel.pinCountOf(frame), "no hold taken by a refusal");
        final int other = kernel.allocateFrame(driver, true);
        kernel.pinFrame(driver, other);
        assertTrue(window.tryWrite(frame, 0, device, 0, 1));
        assertTrue(window.tryWrite(other, 0, device, 0, 1));
        assertEquals(1, kernel.pinCountOf(frame), "moving to another frame drops the first hold");
        assertEquals(2, kernel.pinCountOf(other));
        window.endPass();
        kernel.unpinFrame(frame);
        kernel.unpinFrame(other);
    }
}
