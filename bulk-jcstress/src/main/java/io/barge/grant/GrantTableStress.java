package io.barge.grant;

import io.barge.jcstress.Pool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.II_Result;

import static io.barge.grant.GrantRig.GRANTEE;
import static io.barge.grant.GrantRig.GRANTER;
import static io.barge.grant.GrantRig.KERNEL;
import static io.barge.grant.GrantRig.REF;
import static io.barge.grant.GrantRig.check;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The grant table's shared status word under races between the granter ({@link GrantTable}, its own monitor) and
 * the hypervisor ({@link Hypervisor}, another monitor): the word is all they share, so its compare-and-sets and its
 * release/acquire pairing are what keeps a grant's use counts, its frame and its end consistent. Real tables over
 * real frames of the shared machine, one {@link GrantRig} per state.
 */
public final class GrantTableStress
{
    private GrantTableStress()
    {
    }

    /**
     * A grantee maps a grant while its granter ends it and gives the frame up ({@code endAccessDeferred}): either
     * the map wins and the end is deferred until the unmap, or the end wins and the map is refused; never both. While
     * mapped the frame stays the granter's, pinned (not freed, so not reused), and the unmap completes the end.
     */
    @JCStressTest
    @Description("grant: map against end access; never both succeed, the frame never freed while mapped")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "mapped first: end deferred to the unmap")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "ended first: map refused")
    @Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both succeeded: a mapping of a frame the granter freed")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "frame not held while mapped, or the end never completed")
    @Outcome(expect = FORBIDDEN, desc = "anything else (a refused end with a refused map)")
    @State
    public static class MapAgainstEnd
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(GrantRig::new);

        private final GrantRig rig = RIGS.take();
        private final int frame = KERNEL.allocateFrame(GRANTER, true);
        private long handle = -1;
        private boolean heldWhileMapped;

        /** Grants a fresh frame, writable, to the grantee. */
        public MapAgainstEnd()
        {
            check(rig.table.grantAccess(GRANTEE, frame, false) == REF, "the one reference");
        }

        /** The grantee maps the grant and, if it got it, checks the frame is still the granter's and pinned. */
        @Actor
        public void grantee(final III_Result r)
        {
            try
            {
                handle = rig.hv.mapGrant(GRANTEE, GRANTER.id(), REF, rig.pages[0], false);
                heldWhileMapped = GRANTEE.addressSpace().frameAt(rig.pages[0]) == frame &&
                    KERNEL.ownerOf(frame) == GRANTER.id() && KERNEL.pinCountOf(frame) > 0;
                r.r1 = 1;
            }
            catch (final GrantException ex)
            {
                r.r1 = 0;
            }
        }

        /** The granter ends the grant and gives the frame up, now or after the last unmap. */
        @Actor
        public void granter(final III_Result r)
        {
            r.r2 = rig.table.endAccessDeferred(REF) == EndAccessResult.ENDED ? 1 : 0;
        }

        /** Unmaps; the deferred end (if any) must complete with it. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            if (handle != -1)
            {
                rig.hv.unmapGrant(GRANTEE, handle);
            }
            final boolean endDone = rig.table.grantsInUse() == 0 && rig.table.deferredEnds() == 0 &&
                rig.hv.liveHandles() == 0;
            r.r3 = (handle == -1 || heldWhileMapped) && endDone ? 1 : 0;
            rig.giveBack(RIGS);
        }
    }

    /**
     * The grantee's last unmap against the granter's deferred end: the unmap clears the in-use bits and then looks
     * for a deferred end without the table's monitor when none is pending, so the end must publish its deferral
     * before it looks at the bits (a Dekker pair of volatile count and status word). Either the unmap is first and
     * the end completes at once, or the end is deferred and the unmap completes it; never a deferral left pending.
     */
    @JCStressTest
    @Description("grant: last unmap against deferred end; the end always completes")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "unmapped first: ended at once")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "deferred: the unmap completed the end")
    @Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "a deferred end left pending: its frame never freed")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class UnmapAgainstDeferredEnd
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(GrantRig::new);

        private final GrantRig rig = RIGS.take();
        private final long handle;

        /** Grants a fresh frame, writable, to the grantee, which maps it. */
        public UnmapAgainstDeferredEnd()
        {
            check(rig.table.grantAccess(GRANTEE, KERNEL.allocateFrame(GRANTER, true), false) == REF,
                "the one reference");
            handle = rig.hv.mapGrant(GRANTEE, GRANTER.id(), REF, rig.pages[0], false);
        }

        /** The grantee's last unmap. */
        @Actor
        public void grantee()
        {
            rig.hv.unmapGrant(GRANTEE, handle);
        }

        /** The granter ends the grant and gives the frame up, now or after the last unmap. */
        @Actor
        public void granter(final II_Result r)
        {
            r.r1 = rig.table.endAccessDeferred(REF) == EndAccessResult.ENDED ? 1 : 0;
        }

        /** Both done: no deferral pending, nothing granted or mapped. */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            r.r2 = rig.table.grantsInUse() == 0 && rig.table.deferredEnds() == 0 && rig.hv.liveHandles() == 0 ? 1 : 0;
            if (r.r2 == 1)
            {
                rig.giveBack(RIGS);
            }
        }
    }

    /** Two threads unmap the same handle: exactly one succeeds, and the grant is idle after both. */
    @JCStressTest
    @Description("grant: two unmaps of one handle; exactly one succeeds, the other is BAD_HANDLE")
    @Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "one unmap, one refused; grant idle after")
    @Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both unmapped: a use count dropped twice")
    @Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both refused: the mapping leaked")
    @Outcome(expect = FORBIDDEN, desc = "the grant still looks in use after the unmap")
    @State
    public static class TwoUnmaps
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(GrantRig::new);

        private final GrantRig rig = RIGS.take().grantFrame();
        private final long handle = rig.hv.mapGrant(GRANTEE, GRANTER.id(), REF, rig.pages[0], false);

        /** The first unmap. */
        @Actor
        public void first(final III_Result r)
        {
            r.r1 = unmap();
        }

        /** The second unmap. */
        @Actor
        public void second(final III_Result r)
        {
            r.r2 = unmap();
        }

        /** No use left: no count, no in-use bit, nothing mapped, and the granter can end the grant. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            final boolean idle = rig.hv.maps(GRANTER.id(), REF, true) == 0 && rig.hv.liveHandles() == 0 &&
                (rig.flags() & GrantTableDescriptor.IN_USE_MASK) == 0 &&
                GRANTEE.addressSpace().frameAt(rig.pages[0]) == -1;
            r.r3 = idle ? 1 : 0;
            rig.giveBack(RIGS);
        }

        private int unmap()
        {
            try
            {
                rig.hv.unmapGrant(GRANTEE, handle);
                return 1;
            }
            catch (final GrantException ex)
            {
                return ex.status() == GrantStatus.BAD_HANDLE ? 0 : 2;
            }
        }
    }

    /**
     * A read-only mapping goes while a writable one of the same grant comes: the read-only unmap must not drop the
     * write use (the {@code WRITING} bit and the write count stay while the writable mapping lives). The thread that
     * unmaps then ends the grant on the granter's behalf (a teardown: the reader is done, the granter revokes), so
     * the end succeeds only when the writable map has not got in, and then that map is refused.
     */
    @JCStressTest
    @Description("grant: read-only unmap, then end, against writable map; the write use is never dropped")
    @Outcome(id = "1, 0, 1, 1", expect = ACCEPTABLE, desc = "writable map got in; end refused; write use kept")
    @Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "end won after the read-only unmap; map refused")
    @Outcome(id = "1, 0, 1, 0", expect = FORBIDDEN, desc = "WRITING cleared under a live writable mapping")
    @Outcome(id = "1, 1, .*, .*", expect = FORBIDDEN, desc = "end succeeded with a mapping live")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class ReadOnlyUnmapAgainstWritableMap
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(GrantRig::new);

        private final GrantRig rig = RIGS.take().grantFrame();
        private final long readOnly = rig.hv.mapGrant(GRANTEE, GRANTER.id(), REF, rig.pages[0], true);
        private long writable = -1;

        /** Drops the read-only mapping, then the granter tries to end the grant. */
        @Actor
        public void unmapReadOnlyThenEnd(final IIII_Result r)
        {
            rig.hv.unmapGrant(GRANTEE, readOnly);
            r.r2 = rig.table.endAccess(REF) == EndAccessResult.ENDED ? 1 : 0;
        }

        /** Maps the grant writable. */
        @Actor
        public void mapWritable(final IIII_Result r)
        {
            try
            {
                writable = rig.hv.mapGrant(GRANTEE, GRANTER.id(), REF, rig.pages[1], false);
                r.r1 = 1;
            }
            catch (final GrantException ex)
            {
                r.r1 = 0;
            }
        }

        /** Write count and WRITING bit as left; then the rig is cleaned for the next state. */
        @Arbiter
        public void arbiter(final IIII_Result r)
        {
            r.r3 = rig.hv.maps(GRANTER.id(), REF, true);
            r.r4 = (rig.flags() & GrantTableDescriptor.WRITING) != 0 ? 1 : 0;
            if (writable != -1)
            {
                rig.hv.unmapGrant(GRANTEE, writable);
            }
            if (r.r2 == 1)
            {
                rig.granted = false;
            }
            check(rig.hv.liveHandles() == 0, "no mapping left");
            rig.giveBack(RIGS);
        }
    }

    /**
     * The granter's publish protocol (frame and domain, then the release of the permit bit) against the hypervisor
     * pinning the reference as it appears: a pin that sees the permit bit must get the frame just granted, never the
     * one the entry held from the previous grant. Each round grants the other of two frames, so the stale one is
     * always the frame of the round before.
     */
    @JCStressTest
    @Description("grant: publish against pin; a visible grant never carries the previous grant's frame")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "pin before the grant: refused")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "pin after the grant: the granted frame")
    @Outcome(id = "2, .*", expect = FORBIDDEN, desc = "permit bit seen with the previous grant's frame")
    @Outcome(expect = FORBIDDEN, desc = "anything else (a frame of neither grant, or the end failed after)")
    @State
    public static class Publish
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(Publish::rig);
        /** Two frames of the granter, granted in turn by every rig's table. */
        private static final int[] FRAMES =
            { KERNEL.allocateFrame(GRANTER, true), KERNEL.allocateFrame(GRANTER, true) };

        private final GrantRig rig = RIGS.take();
        private final int fresh = FRAMES[(int)(rig.round & 1)];
        private final int stale = FRAMES[(int)(~rig.round & 1)];
        private long pin = -1;

        /** The granter grants the round's frame, read-only. */
        @Actor
        public void granter()
        {
            rig.table.grantAccess(GRANTEE, fresh, true);
        }

        /** The hypervisor pins the reference for the grantee and reports the frame it validated. */
        @Actor
        public void hypervisor(final II_Result r)
        {
            try
            {
                pin = rig.hv.pinGrant(GRANTEE, GRANTER.id(), REF, true);
                final int frame = rig.hv.pinnedFrame(GRANTEE, pin);
                r.r1 = frame == fresh ? 1 : frame == stale ? 2 : 3;
            }
            catch (final GrantException ex)
            {
                r.r1 = ex.status() == GrantStatus.BAD_GNTREF ? 0 : 4;
            }
        }

        /** Unpins and ends the grant: the entry keeps this round's frame, the stale one of the next round. */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            if (pin != -1)
            {
                rig.hv.unpinGrant(GRANTEE, pin);
            }
            r.r2 = rig.table.endAccess(REF) == EndAccessResult.ENDED ? 1 : 0;
            rig.giveBack(RIGS);
        }

        /** A rig whose entry holds the frame of round -1, so that round 0 has a stale frame to be caught with. */
        private static GrantRig rig()
        {
            final GrantRig rig = new GrantRig();
            rig.table.grantAccess(GRANTEE, FRAMES[1], true);
            check(rig.table.endAccess(REF) == EndAccessResult.ENDED, "warm-up end");
            return rig;
        }
    }
}
