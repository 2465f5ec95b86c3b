package io.barge.jcstress;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;

/**
 * One simulated machine per jcstress VM, shared by every state object: jcstress makes thousands of states per
 * iteration, too many for a machine each. States take their memory from {@link Pool}s of reusable resources that
 * their arbiter returns, so the frames in use stay bounded by one stride of states.
 */
public final class SharedMachine
{
    /** Small frames: the tests need a few words each, and a stride of states needs many frames. */
    public static final int FRAME_SIZE = 512;
    /** 16 MiB of physical memory. */
    public static final int FRAMES = 32 * 1024;

    /** The machine's kernel. */
    public static final Kernel KERNEL = new Kernel(PhysicalMemory.allocateDirect(FRAMES, FRAME_SIZE));
    /**
     * Domains the kernel rigs' pools may hold at once ({@link Pool#Pool(java.util.function.Supplier, int)}): the
     * kernel's counters have room for 1024 live domains.
     */
    public static final int MAX_POOLED_DOMAINS = 768;
    /** The producing (sending) domain. */
    public static final Domain A = KERNEL.createDomain("jcstress-a");
    /** The consuming (receiving) domain. */
    public static final Domain B = KERNEL.createDomain("jcstress-b");

    private SharedMachine()
    {
    }
}
