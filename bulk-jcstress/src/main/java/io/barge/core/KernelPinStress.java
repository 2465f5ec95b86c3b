package io.barge.core;

import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.barge.jcstress.SharedMachine.B;
import static io.barge.jcstress.SharedMachine.KERNEL;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The kernel's lock-free pin word (pin count, orphan mark, FREE and generation in one long per frame) against the
 * operations that still take the monitor: a pin or DMA hold never succeeds on a frame being freed, a frame is never
 * freed while a pin or hold is on it, and the last unpin of an orphan frees it exactly once (a second free would
 * fail in {@link PhysicalMemory}, which refuses it, and show as an error). Frames are real frames of the shared
 * machine; "freed" is seen as the frame's consented mapping in domain B being gone, which the free removes and a
 * reuse of the frame by another state cannot bring back (each state maps at its own address).
 */
public final class KernelPinStress
{
    /** Owners of one state at a time, so that a frame freed and reused by another state has another owner. */
    private static final Pool<Domain> OWNERS = new Pool<>(() -> KERNEL.createDomain("pin-stress-owner"),
        SharedMachine.MAX_POOLED_DOMAINS);
    /** One page of B's window per state, where the state's frame is mapped with its owner's consent. */
    private static final Pool<Long> ADDRESSES = new Pool<>(() -> KERNEL.reserve(B, 1));

    private KernelPinStress()
    {
    }

    private static void share(final Domain owner, final int frame, final long address)
    {
        KERNEL.acceptShare(B, KERNEL.offerShare(owner, frame, B, Rights.READ_WRITE), address, Rights.READ_WRITE);
    }

    /**
     * A device holds a frame for a transfer ({@link Kernel#holdPinnedForDma}) while the driver drops the last pin of
     * a frame whose owner died: either the hold comes first, sees the frame still there, and its own unpin frees it,
     * or the unpin comes first and the hold is refused. The frame is freed once either way.
     */
    @JCStressTest
    @Description("pins: DMA hold against the last unpin of an orphan; never a hold on a freed frame, freed once")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "held first: the device's unpin freed the orphan")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "unpinned first: the hold was refused")
    @Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "held a frame that was freed (unmapped) meanwhile")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "the orphan was never freed (leaked)")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class HoldAgainstLastUnpinOfOrphan
    {
        private final long address = ADDRESSES.take();
        private final int frame;

        /** A frame of a fresh domain, shared with B, pinned once, then its owner destroyed: an orphan. */
        public HoldAgainstLastUnpinOfOrphan()
        {
            final Domain dying = KERNEL.createDomain("pin-stress-dying");
            frame = KERNEL.allocateFrame(dying, false);
            share(dying, frame, address);
            KERNEL.pinFrame(dying, frame);
            KERNEL.destroyDomain(dying);
        }

        /** The driver drops its pin, the last. */
        @Actor
        public void driver()
        {
            KERNEL.unpinFrame(frame);
        }

        /** The device takes a hold and, while it holds, checks the frame is still the kernel's and mapped. */
        @Actor
        public void device(final III_Result r)
        {
            if (KERNEL.holdPinnedForDma(frame))
            {
                r.r1 = 1;
                r.r2 = B.addressSpace().frameAt(address) == frame &&
                    KERNEL.ownerOf(frame) == Kernel.KERNEL_DOMAIN_ID ? 1 : 0;
                KERNEL.unpinFrame(frame);
            }
        }

        /** Freed means unmapped from B; gives the address back. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            r.r3 = B.addressSpace().frameAt(address) == -1 ? 1 : 0;
            if (r.r3 == 1)
            {
                ADDRESSES.give(address);
            }
        }
    }

    /**
     * The owner pins a frame ({@link Kernel#pinFrame}) while it also frees it: either the pin comes first and the
     * free is refused ({@link FrameInUseException}), or the free comes first and the pin is refused; never both.
     */
    @JCStressTest
    @Description("pins: pin against free; never both succeed")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "pinned first: the free was refused")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "freed first: the pin was refused")
    @Outcome(id = "1, .*, 1", expect = FORBIDDEN, desc = "both succeeded: a pin on a freed frame")
    @Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "pinned, but the frame was not the owner's while pinned")
    @Outcome(expect = FORBIDDEN, desc = "anything else (both refused)")
    @State
    public static class PinAgainstFree
    {
        private final Domain owner = OWNERS.take();
        private final int frame = KERNEL.allocateFrame(owner, false);

        /** The owner pins the frame and, if it got the pin, checks it still owns it. */
        @Actor
        public void pinner(final III_Result r)
        {
            try
            {
                KERNEL.pinFrame(owner, frame);
                r.r1 = 1;
                r.r2 = KERNEL.ownerOf(frame) == owner.id() && KERNEL.pinCountOf(frame) > 0 ? 1 : 0;
            }
            catch (final FrameOwnershipException freed)
            {
                r.r1 = 0;
            }
        }

        /** The owner frees the frame. */
        @Actor
        public void freer(final III_Result r)
        {
            try
            {
                KERNEL.freeFrame(owner, frame);
                r.r3 = 1;
            }
            catch (final FrameInUseException pinned)
            {
                r.r3 = 0;
            }
        }

        /** Cleans up a pinned, unfreed frame; gives the owner back. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            if (r.r3 == 0 && r.r1 == 1)
            {
                KERNEL.unpinFrame(frame);
                KERNEL.freeFrame(owner, frame);
            }
            OWNERS.give(owner);
        }
    }

    /**
     * A driver domain pins for DMA the frame it maps ({@link Kernel#pinMappedForDma}, lock-free: page-table entry,
     * pin word, entry again, compare-and-set) while the frame's owner frees it (which unmaps it from the driver):
     * either the pin comes first and the free is refused, or the free comes first and the pin faults; never a pin
     * on a freed frame.
     */
    @JCStressTest
    @Description("pins: DMA pin through a mapping against the owner's free; never both succeed")
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "pinned first: the free was refused")
    @Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "freed first: the pin faulted")
    @Outcome(id = "1, .*, 1", expect = FORBIDDEN, desc = "both succeeded: a DMA pin on a freed frame")
    @Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "pinned another frame, or one not the owner's")
    @Outcome(expect = FORBIDDEN, desc = "anything else (both refused)")
    @State
    public static class DmaPinAgainstFree
    {
        private final Domain owner = OWNERS.take();
        private final long address = ADDRESSES.take();
        private final int frame = KERNEL.allocateFrame(owner, false);

        /** Shares the frame with B, writable. */
        public DmaPinAgainstFree()
        {
            share(owner, frame, address);
        }

        /** B pins the frame behind its mapping for a device write and checks what it pinned. */
        @Actor
        public void driver(final III_Result r)
        {
            try
            {
                final int pinned = KERNEL.pinMappedForDma(B, address, Access.WRITE);
                r.r1 = 1;
                r.r2 = pinned == frame && KERNEL.ownerOf(frame) == owner.id() ? 1 : 0;
            }
            catch (final ProtectionFault unmapped)
            {
                r.r1 = 0;
            }
        }

        /** The owner frees the frame (unmapping it from B). */
        @Actor
        public void owner(final III_Result r)
        {
            try
            {
                KERNEL.freeFrame(owner, frame);
                r.r3 = 1;
            }
            catch (final FrameInUseException pinned)
            {
                r.r3 = 0;
            }
        }

        /** Drops the pin and frees the frame if the free was refused; gives the owner and address back. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            if (r.r3 == 0 && r.r1 == 1)
            {
                KERNEL.unpinFrame(frame);
                KERNEL.freeFrame(owner, frame);
            }
            if (B.addressSpace().frameAt(address) == -1)
            {
                ADDRESSES.give(address);
            }
            OWNERS.give(owner);
        }
    }
}
