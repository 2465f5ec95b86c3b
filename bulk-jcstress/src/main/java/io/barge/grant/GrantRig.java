package io.barge.grant;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One state's grant machinery on the shared machine: a hypervisor of its own, in which granter {@code A} has a
 * one-entry table (so every grant it makes is reference 1, and a state knows the reference before it is granted),
 * and two unmapped pages of grantee {@code B} to map it at. A hypervisor per rig keeps states independent: each has
 * its own active table, maptrack and monitor, while the frames, domains and kernel are the shared machine's. Each
 * test pools its rigs; a state's arbiter gives its rig back with the reference free or granted as {@link #granted}
 * says.
 */
final class GrantRig
{
    /** The only reference of a rig's table. */
    static final int REF = GrantTableDescriptor.FIRST_REF;

    static final Kernel KERNEL = SharedMachine.KERNEL;
    static final Domain GRANTER = SharedMachine.A;
    static final Domain GRANTEE = SharedMachine.B;

    final Hypervisor hv = new Hypervisor(KERNEL, REF + 1);
    final GrantTable table = hv.setupTable(GRANTER, REF + 1);
    /** Where the grantee maps: two pages, reserved and unmapped between states. */
    final long[] pages = { KERNEL.reserve(GRANTEE, 1), KERNEL.reserve(GRANTEE, 1) };
    /** A frame of the granter kept for the rig's life by the tests that grant it ({@link #grantFrame}), else -1. */
    int frame = -1;
    /** The hypervisor's view of the table page, to read the shared status word. */
    private final UnsafeBuffer tablePage = new UnsafeBuffer(0, 0);
    /** Whether {@link #REF} is granted (writable, to the grantee, of {@link #frame}) between states. */
    boolean granted;
    /** States this rig has served. */
    long round;

    GrantRig()
    {
        KERNEL.wrapFrame(tablePage, hv.tableFrame(GRANTER.id(), 0));
    }

    /** Grants {@link #frame} (allocated on first use) writable to the grantee unless it is granted already. */
    GrantRig grantFrame()
    {
        if (frame == -1)
        {
            frame = KERNEL.allocateFrame(GRANTER, true);
        }
        if (!granted)
        {
            check(table.grantAccess(GRANTEE, frame, false) == REF, "the one reference");
            granted = true;
        }
        return this;
    }

    /** @return the flags of the shared status word, as the hypervisor reads them. */
    int flags()
    {
        return GrantTableDescriptor.flags(GrantTableDescriptor.statusVolatile(tablePage,
            GrantTableDescriptor.entryOffset(REF, KERNEL.memory().frameSize())));
    }

    /** Hands the rig on to the next state of its test. */
    void giveBack(final Pool<GrantRig> rigs)
    {
        round++;
        rigs.give(this);
    }

    /** Fails the run (an exception is a jcstress error, not an outcome) if the rig is not as a state left it. */
    static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new IllegalStateException("grant rig broken: " + what);
        }
    }
}
