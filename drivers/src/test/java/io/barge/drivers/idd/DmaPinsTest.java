package io.barge.drivers.idd;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Kept DMA pins: one pin per page for the port's life, and the last page's shortcut never outlives a change of the
 * mapping (an unmap, a remap to another frame, a downgrade).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DmaPinsTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain idd;
    private long page;
    private int first;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory);
        idd = kernel.createDomain("idd");
        page = kernel.reserve(idd, 1);
        first = kernel.allocateFrame(idd, true);
        kernel.map(idd, page, first, Rights.READ_WRITE);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void aPageIsPinnedOnceAndReusedForEveryFrameInIt()
    {
        final DmaPins pins = new DmaPins(kernel, idd, Access.WRITE, true);
        assertEquals(first, pins.pin(page));
        assertEquals(first, pins.pin(page + 64));
        assertEquals(first, pins.pin(page + 4000));
        assertEquals(1, kernel.pinCountOf(first), "one kept pin for the page");
        assertEquals(1, pins.kept());
        pins.release(first);
        assertEquals(1, kernel.pinCountOf(first), "a kept pin outlives the transfer");
        pins.releaseAll();
        assertEquals(0, kernel.pinCountOf(first));
        assertEquals(first, pins.pin(page + 8), "after releaseAll the page is pinned again, not taken from the shortcut");
        assertEquals(1, kernel.pinCountOf(first));
        pins.releaseAll();
    }

    @Test
    void aRemapToAnotherFrameIsSeenAtTheNextPinOfTheSamePage()
    {
        final DmaPins pins = new DmaPins(kernel, idd, Access.WRITE, true);
        assertEquals(first, pins.pin(page));
        pins.release(first);
        final int second = kernel.allocateFrame(idd, true);
        kernel.unmap(idd, page);
        kernel.map(idd, page, second, Rights.READ_WRITE);
        assertEquals(second, pins.pin(page + 64), "the new frame, not the shortcut's");
        assertEquals(0, kernel.pinCountOf(first), "the old frame's kept pin was dropped");
        assertEquals(1, kernel.pinCountOf(second));
        pins.releaseAll();
        assertEquals(0, kernel.pinCountOf(second));
    }

    @Test
    void aDowngradeOrAnUnmapRefusesTheNextPinOfTheSamePage()
    {
        final DmaPins pins = new DmaPins(kernel, idd, Access.WRITE, true);
        assertEquals(first, pins.pin(page));
        kernel.protect(idd, page, Rights.READ);
        assertThrows(ProtectionFault.class, () -> pins.pin(page + 64), "no longer writable");
        assertEquals(0, kernel.pinCountOf(first), "the kept pin went with the right");
        kernel.protect(idd, page, Rights.READ_WRITE);
        assertEquals(first, pins.pin(page + 64));
        kernel.unmap(idd, page);
        assertThrows(ProtectionFault.class, () -> pins.pin(page), "unmapped");
        assertEquals(0, kernel.pinCountOf(first));
        assertEquals(0, pins.kept());
    }

    /**
     * Buffers each in a page of their own, taken in turn (a persistent pool's ring): one kept pin per page, and a
     * change to any of them is seen at its next pin while the others keep theirs.
     */
    @Test
    void pagesTakenInTurnAreEachCheckedAgainAfterAChange()
    {
        final int pages = 4;
        final long base = kernel.reserve(idd, pages);
        final int[] frames = new int[pages];
        for (int i = 0; i < pages; i++)
        {
            frames[i] = kernel.allocateFrame(idd, true);
            kernel.map(idd, base + (long)i * PhysicalMemory.DEFAULT_FRAME_SIZE, frames[i], Rights.READ_WRITE);
        }
        final DmaPins pins = new DmaPins(kernel, idd, Access.WRITE, true);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < pages; i++)
            {
                assertEquals(frames[i], pins.pin(base + (long)i * PhysicalMemory.DEFAULT_FRAME_SIZE + 64 * round));
            }
        }
        assertEquals(pages, pins.kept());
        final long second = base + PhysicalMemory.DEFAULT_FRAME_SIZE;
        final long third = base + 2L * PhysicalMemory.DEFAULT_FRAME_SIZE;
        final int moved = kernel.allocateFrame(idd, true);
        kernel.unmap(idd, second);
        kernel.map(idd, second, moved, Rights.READ_WRITE);
        kernel.protect(idd, third, Rights.READ);
        assertEquals(frames[0], pins.pin(base));
        assertEquals(moved, pins.pin(second + 8), "the remapped page's new frame");
        assertEquals(0, kernel.pinCountOf(frames[1]), "its old frame's kept pin dropped");
        assertThrows(ProtectionFault.class, () -> pins.pin(third), "the downgraded page");
        assertEquals(frames[3], pins.pin(base + 3L * PhysicalMemory.DEFAULT_FRAME_SIZE));
        pins.releaseAll();
        for (final int frame : new int[]{ frames[0], moved, frames[2], frames[3] })
        {
            assertEquals(0, kernel.pinCountOf(frame));
        }
    }

    @Test
    void perTransferPinsAreTakenAndDroppedEachTime()
    {
        final DmaPins pins = new DmaPins(kernel, idd, Access.READ, false);
        assertEquals(first, pins.pin(page));
        assertEquals(first, pins.pin(page + 64));
        assertEquals(2, kernel.pinCountOf(first));
        pins.release(first);
        pins.release(first);
        assertEquals(0, kernel.pinCountOf(first));
    }
}
