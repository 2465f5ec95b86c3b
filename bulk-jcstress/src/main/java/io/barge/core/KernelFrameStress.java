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
import org.openjdk.jcstress.infra.results.II_Result;

import static io.barge.jcstress.SharedMachine.KERNEL;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Frames are allocated from per-domain caches and freed by a compare-and-set on their pin word, without the kernel's
 * monitor, so allocations race teardowns and frees race transfers and a grantee's map (all of which still take the
 * monitor or a page-table lock). Whatever the order, no frame is left with a dead owner, handed to two owners, or
 * mapped once freed.
 */
public final class KernelFrameStress
{
    /** An owner, an heir and a grantee with one reserved page, used by one state at a time. */
    static final class Trio
    {
        final Domain owner = KERNEL.createDomain("frame-stress-owner");
        final Domain heir = KERNEL.createDomain("frame-stress-heir");
        final Domain grantee = KERNEL.createDomain("frame-stress-grantee");
        final long address = KERNEL.reserve(grantee, 1);
    }

    private static final Pool<Trio> TRIOS = new Pool<>(Trio::new, SharedMachine.MAX_POOLED_DOMAINS / 3);

    private KernelFrameStress()
    {
    }

    /**
     * A domain allocates a frame on one thread while another destroys it: either the allocation comes first and the
     * teardown frees the frame, or the domain is dead first (or the allocation sees it die and undoes itself) and the
     * allocation is refused. A frame left owned by the dead domain is a leak.
     */
    @JCStressTest
    @Description("frames: a domain allocates while it is destroyed; no frame is left with the dead owner")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "allocated first: the teardown freed it")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "destroyed first: the allocation was refused (or undone)")
    @Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "a frame is still owned by the dead domain")
    @State
    public static class AllocateAgainstDestroy
    {
        private final Domain dying = KERNEL.createDomain("frame-stress-dying");
        private int frame = -1;

        /** Allocates a frame for the domain. */
        @Actor
        public void allocator(final II_Result r)
        {
            try
            {
                frame = KERNEL.allocateFrame(dying, false);
                r.r1 = 1;
            }
            catch (final IllegalStateException dead)
            {
                r.r1 = 0;
            }
        }

        /** Destroys the domain. */
        @Actor
        public void destroyer()
        {
            KERNEL.destroyDomain(dying);
        }

        /** The frame, if one was handed out, is not the dead domain's (ids are never reused; others may reuse it). */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            r.r2 = frame < 0 || KERNEL.ownerOf(frame) != dying.id() ? 1 : 0;
        }
    }

    /**
     * The owner frees its frame on one thread while the kernel hands it to an heir on another: exactly one wins. A
     * free and a transfer both succeeding would leave the heir owning a frame on a free list.
     */
    @JCStressTest
    @Description("frames: a free races a transfer of the same frame; exactly one succeeds")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "freed first: the transfer was refused")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "transferred first: the old owner's free was refused")
    @Outcome(expect = FORBIDDEN, desc = "both or neither succeeded, or the owner is wrong")
    @State
    public static class FreeAgainstTransfer
    {
        private final Trio trio = TRIOS.take();
        private final int frame = KERNEL.allocateFrame(trio.owner, false);

        /** Frees the frame as its owner. */
        @Actor
        public void freer(final III_Result r)
        {
            try
            {
                KERNEL.freeFrame(trio.owner, frame);
                r.r1 = 1;
            }
            catch (final FrameOwnershipException handedOn)
            {
                r.r1 = 0;
            }
        }

        /** Hands the frame to the heir. */
        @Actor
        public void transferrer(final III_Result r)
        {
            try
            {
                KERNEL.transferFrame(trio.owner, frame, trio.heir);
                r.r2 = 1;
            }
            catch (final FrameOwnershipException freed)
            {
                r.r2 = 0;
            }
        }

        /** The owner is what the winner left; frees the heir's frame and gives the trio back only if all is well. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            final int ownerId = KERNEL.ownerOf(frame);
            if (r.r2 == 1 && ownerId == trio.heir.id())
            {
                KERNEL.freeFrame(trio.heir, frame);
                r.r3 = 1;
            }
            else
            {
                r.r3 = r.r1 == 1 && ownerId != trio.owner.id() && ownerId != trio.heir.id() ? 1 : 0;
            }
            if (r.r3 == 1)
            {
                TRIOS.give(trio);
            }
        }
    }

    /**
     * The owner frees a frame on one thread while the grantee it offered the frame to maps it on another (the accept
     * takes the offer's stripe and the grantee's page-table lock, the free neither the kernel's monitor nor, unless
     * the frame is mapped, any page-table lock): either the map comes first and the free removes it, or the free
     * comes first and the accept is refused. A mapping of the freed frame left in the grantee is forbidden.
     */
    @JCStressTest
    @Description("frames: a free races a grantee's accept of the frame; no mapping outlives the free")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "accepted first: the free unmapped it")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "freed first: the accept was refused")
    @Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "the grantee maps a freed frame")
    @State
    public static class AcceptAgainstFree
    {
        private final Trio trio = TRIOS.take();
        private final int frame = KERNEL.allocateFrame(trio.owner, false);
        private final long capability = KERNEL.offerShare(trio.owner, frame, trio.grantee, Rights.READ);

        /** Accepts the offer, mapping the frame. */
        @Actor
        public void accepter(final II_Result r)
        {
            try
            {
                KERNEL.acceptShare(trio.grantee, capability, trio.address, Rights.READ);
                r.r1 = 1;
            }
            catch (final InvalidCapabilityException | FrameOwnershipException freed)
            {
                r.r1 = 0;
            }
        }

        /** Frees the frame. */
        @Actor
        public void freer()
        {
            KERNEL.freeFrame(trio.owner, frame);
        }

        /** Nothing may be left at the grantee's page; gives the trio back only then. */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            r.r2 = trio.grantee.addressSpace().frameAt(trio.address) == -1 ? 1 : 0;
            if (r.r2 == 1)
            {
                TRIOS.give(trio);
            }
        }
    }
}
