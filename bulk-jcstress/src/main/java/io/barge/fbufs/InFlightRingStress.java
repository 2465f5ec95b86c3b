package io.barge.fbufs;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link InFlightRing}'s two publications: a record written before the producer index is released, and a slot
 * reused only after the consumer's reads of it are released.
 */
public final class InFlightRingStress
{
    private InFlightRingStress()
    {
    }

    /** A consumer that sees a record sees all of it. */
    @JCStressTest
    @Description("InFlightRing: a polled record is the one offered, never a zeroed or partial one")
    @Outcome(id = "-1, 0, 0", expect = ACCEPTABLE, desc = "not visible yet")
    @Outcome(id = "2, 7, 8", expect = ACCEPTABLE, desc = "the whole record")
    @Outcome(expect = FORBIDDEN, desc = "a record seen before it was written")
    @State
    public static class Publish
    {
        private final InFlightRing ring = new InFlightRing(2);
        private final long[] into = new long[InFlightRing.MAX_HANDLES];

        /** Offers one record of two handles. */
        @Actor
        public void producer()
        {
            ring.offer(new long[]{ 7, 8 }, 2);
        }

        /** Polls once. */
        @Actor
        public void consumer(final JJJ_Result r)
        {
            final int count = ring.poll(into);
            r.r1 = count;
            r.r2 = count > 0 ? into[0] : 0;
            r.r3 = count > 1 ? into[1] : 0;
        }
    }

    /** A full ring is not overwritten while the consumer still reads its slot. */
    @JCStressTest
    @Description("InFlightRing: the producer reuses a slot only after the consumer has read it")
    @Outcome(id = "0, 10, 11", expect = ACCEPTABLE, desc = "full: the offer was refused")
    @Outcome(id = "1, 10, 11", expect = ACCEPTABLE, desc = "the offer took the slot after the record was read")
    @Outcome(expect = FORBIDDEN, desc = "the record was overwritten while it was read")
    @State
    public static class Reuse
    {
        private final InFlightRing ring = new InFlightRing(1);
        private final long[] into = new long[InFlightRing.MAX_HANDLES];

        /** A ring of one slot, full. */
        public Reuse()
        {
            ring.offer(new long[]{ 10, 11 }, 2);
        }

        /** Offers a second record. */
        @Actor
        public void producer(final III_Result r)
        {
            r.r1 = ring.offer(new long[]{ 20, 21 }, 2) ? 1 : 0;
        }

        /** Takes the first. */
        @Actor
        public void consumer(final III_Result r)
        {
            ring.poll(into);
            r.r2 = (int)into[0];
            r.r3 = (int)into[1];
        }
    }
}
