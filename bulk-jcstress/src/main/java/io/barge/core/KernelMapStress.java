package io.barge.core;

import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.barge.jcstress.SharedMachine.KERNEL;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A domain's map takes only its page-table lock, not the kernel's monitor, so it races frees and teardowns that do:
 * the map raises the frame's map count and checks the owner between two reads of the frame's pin word, and a free
 * claims the word FREE, reads the count and takes every domain's page-table lock before the frame goes back to the
 * free stack. Whatever the order, no mapping outlives the free of its frame.
 */
public final class KernelMapStress
{
    /** A domain with one reserved page, used by one state at a time. */
    static final class OwnerPage
    {
        final Domain owner = KERNEL.createDomain("map-stress-owner");
        final long address = KERNEL.reserve(owner, 1);
    }

    private static final Pool<OwnerPage> PAGES = new Pool<>(OwnerPage::new, SharedMachine.MAX_POOLED_DOMAINS);

    private KernelMapStress()
    {
    }

    /**
     * The owner maps a frame on one thread and frees it on another: either the map comes first and the free removes
     * the mapping, or the free comes first and the map is refused. The free always succeeds.
     */
    @JCStressTest
    @Description("map: a domain maps its frame while it frees it; no mapping outlives the free")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "mapped first: the free unmapped it")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "freed first: the map was refused")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "a mapping of a freed frame is left")
    @Outcome(expect = FORBIDDEN, desc = "anything else (the free refused)")
    @State
    public static class MapAgainstFree
    {
        private final OwnerPage page = PAGES.take();
        private final int frame = KERNEL.allocateFrame(page.owner, false);

        /** Maps the frame at the state's page. */
        @Actor
        public void mapper(final III_Result r)
        {
            try
            {
                KERNEL.map(page.owner, page.address, frame, Rights.READ_WRITE);
                r.r1 = 1;
            }
            catch (final FrameOwnershipException freed)
            {
                r.r1 = 0;
            }
        }

        /** Frees the frame. */
        @Actor
        public void freer(final III_Result r)
        {
            KERNEL.freeFrame(page.owner, frame);
            r.r2 = 1;
        }

        /** Nothing may be left at the page; gives the page back only then. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            r.r3 = page.owner.addressSpace().frameAt(page.address) == -1 ? 1 : 0;
            if (r.r3 == 1)
            {
                PAGES.give(page);
            }
        }
    }

    /**
     * A domain maps its frame while another thread destroys the domain: either the map comes first and the teardown
     * removes it (and frees the frame), or the domain is dead first and the map is refused; no map count is left.
     */
    @JCStressTest
    @Description("map: a domain maps its frame while it is destroyed; no mapping or map count is left")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "mapped first: the teardown removed it")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "destroyed first: the map was refused")
    @Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "a mapping or a map count outlived the domain")
    @State
    public static class MapAgainstDestroy
    {
        private final Domain dying = KERNEL.createDomain("map-stress-dying");
        private final long address = KERNEL.reserve(dying, 1);
        private final int frame = KERNEL.allocateFrame(dying, false);

        /** Maps the frame. */
        @Actor
        public void mapper(final II_Result r)
        {
            try
            {
                KERNEL.map(dying, address, frame, Rights.READ_WRITE);
                r.r1 = 1;
            }
            catch (final IllegalStateException dead)
            {
                r.r1 = 0; // destroyed first (FrameOwnershipException too: the frame went with the domain)
            }
        }

        /** Destroys the domain. */
        @Actor
        public void destroyer()
        {
            KERNEL.destroyDomain(dying);
        }

        /** The dead domain maps nothing (a reuse of the frame by another state maps it elsewhere). */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            r.r2 = dying.addressSpace().frameAt(address) == -1 ? 1 : 0;
        }
    }
}
