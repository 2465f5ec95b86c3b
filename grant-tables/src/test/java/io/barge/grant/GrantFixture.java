package io.barge.grant;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A machine with a hypervisor, a granter {@code a} and two other domains; every test ends by destroying them and
 * checking that every frame came back and no grant use is left.
 */
abstract class GrantFixture
{
    static final int PAGE = PhysicalMemory.DEFAULT_FRAME_SIZE;

    PhysicalMemory memory;
    Kernel kernel;
    Hypervisor hv;
    Domain a;
    Domain b;
    Domain c;
    GrantTable table;
    LeakCheck leaks;

    @BeforeEach
    void setUpMachine()
    {
        memory = PhysicalMemory.allocateDirect(512);
        kernel = new Kernel(memory, 1 << 12, 32);
        hv = new Hypervisor(kernel, 1024);
        leaks = LeakCheck.of(kernel)
            .probe("live grant handles", () -> hv.liveHandles())
            .probe("active grant tables", () -> hv.activeGranters());
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        table = hv.setupTable(a, 32);
    }

    @AfterEach
    void tearDownMachine()
    {
        for (final Domain d : new Domain[]{ a, b, c })
        {
            if (d.isAlive())
            {
                kernel.destroyDomain(d);
            }
        }
        leaks.assertNothingLeaked();
        hv.close();
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames());
        memory.close();
    }

    /** A frame of {@code owner}, mapped in it and filled with {@code fill} in every long. */
    int frameWith(final Domain owner, final long fill)
    {
        final int frame = kernel.allocateFrame(owner, true);
        final long va = kernel.reserve(owner, 1);
        kernel.map(owner, va, frame, Rights.READ_WRITE);
        for (int off = 0; off < PAGE; off += 8)
        {
            owner.addressSpace().putLong(va + off, fill);
        }
        return frame;
    }

    long page(final Domain d)
    {
        return kernel.reserve(d, 1);
    }

    /** The raw status word of {@code ref} as the granter's memory holds it. */
    long rawStatus(final int ref)
    {
        final int frame = hv.tableFrame(a.id(), GrantTableDescriptor.pageOf(ref, PAGE));
        return HostilePeer.of(kernel, a).getLong(frame, GrantTableDescriptor.entryOffset(ref, PAGE));
    }

    int flags(final int ref)
    {
        return GrantTableDescriptor.flags(rawStatus(ref));
    }

    int expectStatus(final int status, final Runnable op)
    {
        final GrantException ex = org.junit.jupiter.api.Assertions.assertThrows(GrantException.class, op::run);
        assertEquals(GrantStatus.name(status), GrantStatus.name(ex.status()), ex.getMessage());
        return ex.status();
    }
}
