package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The fbuf reference-count state word ({@code generation << 32 | references}) under concurrent retain and
 * release: the last release frees exactly once, and a retain either wins before the free or is refused after it.
 * Uncached fbufs on one shared region: every free returns the frames to the kernel, which the next state reuses.
 */
public final class FbufStateStress
{
    /** Region and path shared by every state of the VM. */
    static final FbufRegion REGION = new FbufRegion(SharedMachine.KERNEL, 16 * 1024);
    static final IoPath PATH = REGION.createPath(new Domain[]{ SharedMachine.A, SharedMachine.B },
        new FbufMode(false, false, false), 16 * 1024);

    private FbufStateStress()
    {
    }

    private static long allocate()
    {
        final long handle = PATH.allocatePages(1);
        if (handle == FbufRegion.NO_FBUF)
        {
            throw new IllegalStateException("region exhausted: states are not releasing their fbufs");
        }
        return handle;
    }

    /** Two holders release at once: both succeed and the fbuf is freed once. */
    @JCStressTest
    @Description("fbuf: two concurrent last-but-one and last releases free the fbuf exactly once")
    @Outcome(id = "0", expect = ACCEPTABLE, desc = "both releases counted, the fbuf freed")
    @Outcome(id = "1", expect = FORBIDDEN, desc = "still live after both references were dropped")
    @Outcome(id = "2", expect = FORBIDDEN, desc = "a release was refused (counted as double)")
    @State
    public static class TwoReleases
    {
        private final long handle = allocate();
        private volatile boolean refused;

        /** Adds the second holder's reference. */
        public TwoReleases()
        {
            REGION.retain(handle);
        }

        /** First holder. */
        @Actor
        public void first()
        {
            release();
        }

        /** Second holder. */
        @Actor
        public void second()
        {
            release();
        }

        private void release()
        {
            try
            {
                REGION.release(handle);
            }
            catch (final BufferStateException ex)
            {
                refused = true;
            }
        }

        /** What the fbuf is afterwards. */
        @Arbiter
        public void arbiter(final I_Result r)
        {
            r.r1 = refused ? 2 : REGION.isLive(handle) ? 1 : 0;
        }
    }

    /** A retain races the last release. */
    @JCStressTest
    @Description("fbuf: a retain racing the last release either keeps the fbuf alive or is refused")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "retain first: the fbuf lives on with one reference")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "release first: freed, the stale retain refused")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "retained an fbuf that was freed")
    @Outcome(id = "0, 1", expect = FORBIDDEN, desc = "refused, yet the fbuf was not freed")
    @State
    public static class RetainAgainstRelease
    {
        private final long handle = allocate();

        /** The holder drops its only reference. */
        @Actor
        public void holder()
        {
            REGION.release(handle);
        }

        /** Another domain tries to add a reference with the same handle. */
        @Actor
        public void retainer(final II_Result r)
        {
            try
            {
                REGION.retain(handle);
                r.r1 = 1;
            }
            catch (final BufferStateException ex)
            {
                r.r1 = 0;
            }
        }

        /** Whether the fbuf is live; frees what the retain kept. */
        @Arbiter
        public void arbiter(final II_Result r)
        {
            final boolean live = REGION.isLive(handle);
            r.r2 = live ? 1 : 0;
            if (live)
            {
                REGION.release(handle);
            }
        }
    }
}
