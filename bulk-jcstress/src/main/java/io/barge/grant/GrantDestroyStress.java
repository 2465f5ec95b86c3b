package io.barge.grant;

import io.barge.core.Domain;
import io.barge.jcstress.Pool;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.barge.grant.GrantRig.GRANTER;
import static io.barge.grant.GrantRig.KERNEL;
import static io.barge.grant.GrantRig.REF;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The hypervisor's per-domain state under a mapper's destroy: a map holds the mapper's {@link Maptrack} lock for the
 * whole operation and the destroy takes that lock to release every record, so a map either is recorded before the
 * destroy sweeps (and the sweep releases it) or finds the mapper dead and is refused. Without that lock a map that
 * got its share accepted just before the mapper was marked dead records its use after the sweep: its pin and in-use
 * bits outlive the mapper, and the granter can never end the grant. Real tables over real frames of the shared
 * machine, one {@link GrantRig} per state and a fresh mapper domain per state.
 */
public final class GrantDestroyStress
{
    private GrantDestroyStress()
    {
    }

    /**
     * A mapper maps a grant while another thread destroys the mapper: afterwards the frame holds no pin, no handle
     * is live, and the granter ends the grant at once.
     */
    @JCStressTest
    @Description("grant: map against the mapper's destroy; no pin, handle or in-use bit outlives the mapper")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "mapped first: the destroy released the mapping")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "destroyed first: the map was refused")
    @Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "a pin or a handle outlived the mapper")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "the grant stayed in use after the mapper died")
    @Outcome(expect = FORBIDDEN, desc = "anything else")
    @State
    public static class MapAgainstMapperDestroy
    {
        private static final Pool<GrantRig> RIGS = new Pool<>(GrantRig::new);

        private final GrantRig rig = RIGS.take();
        private final Domain mapper = KERNEL.createDomain("grant-stress-mapper");
        private final long page = KERNEL.reserve(mapper, 1);

        /** Grants the rig's frame, writable, to this state's mapper. */
        public MapAgainstMapperDestroy()
        {
            if (rig.frame == -1)
            {
                rig.frame = KERNEL.allocateFrame(GRANTER, true);
            }
            GrantRig.check(rig.table.grantAccess(mapper, rig.frame, false) == REF, "the one reference");
        }

        /** The mapper maps the grant. */
        @Actor
        public void map(final III_Result r)
        {
            try
            {
                rig.hv.mapGrant(mapper, GRANTER.id(), REF, page, false);
                r.r1 = 1;
            }
            catch (final IllegalStateException | GrantException refused)
            {
                r.r1 = 0; // the mapper was dead (or its page table cleared) first
            }
        }

        /** The mapper dies. */
        @Actor
        public void destroy()
        {
            KERNEL.destroyDomain(mapper);
        }

        /** Nothing of the mapper's use is left; the rig goes back only if its grant ended. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            r.r2 = KERNEL.pinCountOf(rig.frame) == 0 && rig.hv.liveHandles() == 0 ? 1 : 0;
            r.r3 = rig.table.endAccess(REF) == EndAccessResult.ENDED ? 1 : 0;
            if (r.r3 == 1)
            {
                rig.giveBack(RIGS);
            }
        }
    }
}
