package io.barge.core.device;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DmaTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain guest;
    private Domain driver;
    private Dma dma;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory);
        guest = kernel.createDomain("guest");
        driver = kernel.createDomain("driver");
        dma = new Dma(kernel, driver);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void aPinnedFrameTakesTheDevicesBytesAndItsOwnerSeesThem()
    {
        final int frame = kernel.allocateFrame(guest, true);
        final long address = 0x10_000;
        kernel.map(guest, address, frame, Rights.READ_WRITE);
        kernel.pinFrame(guest, frame);
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[100]);
        for (int i = 0; i < 100; i++)
        {
            wire.putByte(i, (byte)(i + 1));
        }
        dma.write(frame, 200, wire, 0, 100);
        assertEquals(1, guest.addressSpace().getByte(address + 200));
        assertEquals(100, guest.addressSpace().getByte(address + 299));
        assertEquals(0, guest.addressSpace().getByte(address + 300));
        final UnsafeBuffer back = new UnsafeBuffer(new byte[100]);
        dma.read(frame, 200, back, 0, 100);
        assertEquals(wire.getLong(0), back.getLong(0));
        assertEquals(200, driver.counter(DeviceCounters.DMA_BYTES));
        assertEquals(1, kernel.pinCountOf(frame), "the transfer's own pin is gone");
    }

    @Test
    void aDriverPinsAGuestFrameOnlyThroughItsMappingAndOnlyWithItsRights()
    {
        final int frame = kernel.allocateFrame(guest, true);
        final long at = 0x20_000;
        kernel.acceptShare(driver, kernel.offerShare(guest, frame, driver, Rights.READ), at, Rights.READ);
        final io.barge.core.ProtectionFault noWrite = assertThrows(io.barge.core.ProtectionFault.class,
            () -> kernel.pinMappedForDma(driver, at, io.barge.core.Access.WRITE));
        assertEquals(true, noWrite.getMessage().contains("no DMA pin: mapping has rights"), noWrite.getMessage());
        assertThrows(io.barge.core.ProtectionFault.class,
            () -> kernel.pinMappedForDma(driver, at + memory.frameSize(), io.barge.core.Access.READ),
            "nothing mapped on the next page");
        assertEquals(0, kernel.pinCountOf(frame), "a refused pin takes nothing");

        assertEquals(frame, kernel.pinMappedForDma(driver, at + 100, io.barge.core.Access.READ));
        assertEquals(1, driver.counter(DeviceCounters.DMA_PINS));
        final UnsafeBuffer out = new UnsafeBuffer(new byte[8]);
        dma.read(frame, 0, out, 0, 8);

        // The guest dies while the device holds the frame: it is not reused until the driver unpins it.
        kernel.destroyDomain(guest);
        assertEquals(1, kernel.pinCountOf(frame));
        final int freeWhilePinned = kernel.freeFrames();
        final int[] everyFreeFrame = new int[freeWhilePinned];
        kernel.allocateFrames(driver, freeWhilePinned, false, everyFreeFrame);
        for (final int handedOut : everyFreeFrame)
        {
            assertNotEquals(frame, handedOut, "a pinned frame of a dead guest is never handed out");
            kernel.freeFrame(driver, handedOut);
        }
        kernel.unpinFrame(frame);
        assertEquals(freeWhilePinned + 1, kernel.freeFrames(), "the last unpin frees the dead guest's frame");
    }

    @Test
    void anUnpinnedFrameIsAFaultAndNothingMoves()
    {
        final int frame = kernel.allocateFrame(guest, true);
        kernel.map(guest, 0x10_000, frame, Rights.READ_WRITE);
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[8]);
        wire.putLong(0, -1L);
        final DmaFaultException fault = assertThrows(DmaFaultException.class, () -> dma.write(frame, 0, wire, 0, 8));
        assertEquals(frame, fault.frame());
        assertEquals(0, guest.addressSpace().getLong(0x10_000));
        assertEquals(1, driver.counter(DeviceCounters.DMA_FAULTS));
        assertEquals(0, driver.counter(DeviceCounters.DMA_BYTES));

        kernel.pinFrame(guest, frame);
        dma.write(frame, 0, wire, 0, 8);
        kernel.unpinFrame(frame);
        assertThrows(DmaFaultException.class, () -> dma.read(frame, 0, wire, 0, 8), "after the unpin");
    }

    @Test
    void aRangeOutsideTheFrameOrMemoryIsAFault()
    {
        final int frame = kernel.allocateFrame(guest, true);
        kernel.pinFrame(guest, frame);
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[16]);
        assertThrows(DmaFaultException.class, () -> dma.write(frame, memory.frameSize() - 8, wire, 0, 16));
        assertThrows(DmaFaultException.class, () -> dma.write(frame, -1, wire, 0, 1));
        assertThrows(DmaFaultException.class, () -> dma.write(memory.frameCount(), 0, wire, 0, 1));
        assertThrows(DmaFaultException.class, () -> dma.write(-1, 0, wire, 0, 1));
        assertEquals(4, driver.counter(DeviceCounters.DMA_FAULTS));
        assertEquals(1, kernel.pinCountOf(frame));
    }

    @Test
    void aFrameWhoseOwnerDiedStaysReachableUntilTheLastUnpinThenIsFreed()
    {
        final int free = kernel.freeFrames();
        final int frame = kernel.allocateFrame(guest, true);
        kernel.pinFrame(guest, frame);
        kernel.destroyDomain(guest);
        final UnsafeBuffer wire = new UnsafeBuffer(new byte[8]);
        dma.write(frame, 0, wire, 0, 8);
        assertEquals(free - 1, kernel.freeFrames(), "a pinned frame is not reused while the device may reach it");
        kernel.unpinFrame(frame);
        assertEquals(free, kernel.freeFrames());
        assertThrows(DmaFaultException.class, () -> dma.write(frame, 0, wire, 0, 8), "a freed frame");
    }
}
