package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pins: a pinned frame is never freed under a mapping made with its owner's consent, not even when the owner dies.
 */
class KernelPinTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain owner;
    private Domain user;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory, 1 << 12, 8);
        owner = kernel.createDomain("owner");
        user = kernel.createDomain("user");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "kernel close returns every frame");
        memory.close();
    }

    @Test
    void freeingAPinnedFrameIsRefusedAndChangesNothing()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final int free = kernel.freeFrames();
        kernel.pinFrame(owner, frame);
        assertThrows(FrameInUseException.class, () -> kernel.freeFrame(owner, frame));
        assertEquals(owner.id(), kernel.ownerOf(frame));
        assertEquals(free, kernel.freeFrames());
        kernel.unpinFrame(frame);
        kernel.freeFrame(owner, frame);
        assertEquals(free + 1, kernel.freeFrames());
    }

    @Test
    void pinsNestAndAnUnpinnedFrameCannotBeUnpinned()
    {
        final int frame = kernel.allocateFrame(owner, false);
        kernel.pinFrame(owner, frame);
        kernel.pinFrame(owner, frame);
        assertEquals(2, kernel.pinCountOf(frame));
        kernel.unpinFrame(frame);
        assertThrows(FrameInUseException.class, () -> kernel.freeFrame(owner, frame));
        kernel.unpinFrame(frame);
        assertThrows(IllegalStateException.class, () -> kernel.unpinFrame(frame));
        assertEquals(0, kernel.pinCountOf(frame));
    }

    @Test
    void onlyTheOwnerPins()
    {
        final int frame = kernel.allocateFrame(owner, false);
        assertThrows(FrameOwnershipException.class, () -> kernel.pinFrame(user, frame));
        assertEquals(0, kernel.pinCountOf(frame));
    }

    @Test
    void aPinnedFrameOutlivesItsOwnerUntilTheLastUnpinThenIsFreedAndUnmapped()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(user, 1);
        kernel.acceptShare(user, kernel.offerShare(owner, frame, user, Rights.READ_WRITE),
            va, Rights.READ_WRITE);
        kernel.pinFrame(owner, frame);
        final int free = kernel.freeFrames();

        kernel.destroyDomain(owner);
        assertEquals(free, kernel.freeFrames(), "the pinned frame was not freed with its owner");
        assertEquals(frame, user.addressSpace().frameAt(va), "the consented mapping stays");
        user.addressSpace().putLong(va, 7L);
        assertEquals(7L, user.addressSpace().getLong(va));

        kernel.unpinFrame(frame);
        assertEquals(free + 1, kernel.freeFrames());
        assertEquals(-1, kernel.ownerOf(frame));
        assertEquals(-1, user.addressSpace().frameAt(va), "the last unpin unmapped it everywhere");
        assertEquals(0, kernel.mapCountOf(frame));
    }

    @Test
    void wrapFrameShowsTheFramesBytesAndRefusesAFreeFrame()
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(owner, 1);
        kernel.map(owner, va, frame, Rights.READ_WRITE);
        owner.addressSpace().putLong(va + 16, 0x1234_5678_9ABCL);
        final org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(0, 0);
        kernel.wrapFrame(view, frame);
        assertEquals(memory.frameSize(), view.capacity());
        assertEquals(0x1234_5678_9ABCL, view.getLong(16));
        final int free = kernel.allocateFrame(owner, false);
        kernel.freeFrame(owner, free);
        assertThrows(IllegalStateException.class, () -> kernel.wrapFrame(view, free));
    }
    @Test
    void unpinAndFreeFreesALiveOwnersFrameOnlyAtTheLastPin()
    {
        final int frame = kernel.allocateFrame(owner, false);
        final int free = kernel.freeFrames();
        kernel.pinFrame(owner, frame);
        kernel.pinFrame(owner, frame);
        kernel.unpinAndFree(owner, frame);
        assertEquals(owner.id(), kernel.ownerOf(frame), "one pin left: kept");
        assertEquals(free, kernel.freeFrames());
        kernel.unpinAndFree(owner, frame);
        assertEquals(-1, kernel.ownerOf(frame));
        assertEquals(free + 1, kernel.freeFrames());
        assertThrows(IllegalStateException.class, () -> kernel.unpinAndFree(owner, frame));
    }

    @Test
    void unpinAndFreeFreesAnOrphanAndLeavesAFrameThatChangedHands()
    {
        final int orphan = kernel.allocateFrame(owner, false);
        final int handed = kernel.allocateFrame(owner, false);
        kernel.pinFrame(owner, orphan);
        kernel.pinFrame(owner, handed);
        kernel.transferFrame(owner, handed, user);
        final int free = kernel.freeFrames();
        kernel.unpinAndFree(owner, handed);
        assertEquals(user.id(), kernel.ownerOf(handed), "not the pinner's any more: its new owner frees it");
        kernel.destroyDomain(owner);
        assertEquals(Kernel.KERNEL_DOMAIN_ID, kernel.ownerOf(orphan));
        kernel.unpinAndFree(owner, orphan);
        assertEquals(-1, kernel.ownerOf(orphan));
        assertEquals(free + 1, kernel.freeFrames());
    }

    @Test
    void aPinReclaimerIsAskedBeforeFramesAreCountedOrRunOutUntilItHoldsNothing()
    {
        final int frame = kernel.allocateFrame(owner, false);
        kernel.pinFrame(owner, frame);
        final int[] asked = { 0 };
        final boolean[] ready = { false };
        kernel.addPinReclaimer(() ->
        {
            asked[0]++;
            if (ready[0])
            {
                kernel.unpinAndFree(owner, frame);
                return true;
            }
            return false;
        });
        final int free = kernel.freeFrames();
        assertEquals(1, asked[0]);
        final int[] all = new int[free];
        kernel.allocateFrames(user, free, false, all);
        ready[0] = true;
        final int last = kernel.allocateFrame(user, false); // none free: the reclaimer returns the pinned frame
        assertEquals(frame, last);
        assertEquals(2, asked[0], "counted once, short once");
        kernel.freeFrames();
        assertEquals(2, asked[0], "forgotten once it holds nothing");
    }

    @Test
    void unpinAndFreeAfterTheKernelClosedDoesNothing()
    {
        final int frame = kernel.allocateFrame(owner, false);
        kernel.pinFrame(owner, frame);
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames());
        kernel.unpinAndFree(owner, frame);
        assertEquals(memory.frameCount(), memory.freeFrames(), "no double free");
    }
}
