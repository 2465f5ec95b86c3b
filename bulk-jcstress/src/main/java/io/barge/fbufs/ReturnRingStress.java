package io.barge.fbufs;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link ReturnRing}'s publications: an entry is seen with what its producer wrote before it, a slot is reused only
 * after the consumer took it, and a producer's claim is either seen by a consumer checking for emptiness or the
 * producer sees the retirement that made that consumer look ({@code IoPath.relist}).
 */
public final class ReturnRingStress
{
    private ReturnRingStress()
    {
    }

    /** A consumer that takes the entry sees the free that happened before it was offered. */
    @JCStressTest
    @Description("ReturnRing: a drained entry comes with the writes made before its offer")
    @Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "not visible yet")
    @Outcome(id = "1, 42", expect = ACCEPTABLE, desc = "the entry and the write before it")
    @Outcome(expect = FORBIDDEN, desc = "the entry seen before the write that preceded its offer")
    @State
    public static class Publish
    {
        private final ReturnRing ring = new ReturnRing(4);
        private long freed = -1; // plain, like the bookkeeping a free writes before it returns the fbuf
        private long seen = -1;

        /** Frees, then offers. */
        @Actor
        public void producer()
        {
            freed = 42;
            ring.offer(ReturnRing.entry(7, 3));
        }

        /** Drains once. */
        @Actor
        public void consumer(final JJ_Result r)
        {
            r.r1 = ring.drain(entry -> seen = freed, 4);
            r.r2 = seen;
        }
    }

    /** A full ring is not overwritten while the consumer takes its slot. */
    @JCStressTest
    @Description("ReturnRing: a producer reuses a slot only after the consumer has taken its entry")
    @Outcome(id = "0, 1, 10", expect = ACCEPTABLE, desc = "full: the offer was refused")
    @Outcome(id = "1, 1, 10", expect = ACCEPTABLE, desc = "the offer took the slot after the entry was taken")
    @Outcome(expect = FORBIDDEN, desc = "the entry was overwritten before it was taken, or taken twice")
    @State
    public static class Reuse
    {
        private final ReturnRing ring = new ReturnRing(1);
        private long taken;

        /** A ring of one slot, full. */
        public Reuse()
        {
            ring.offer(ReturnRing.entry(10, 0));
        }

        /** Offers a second entry. */
        @Actor
        public void producer(final III_Result r)
        {
            r.r1 = ring.offer(ReturnRing.entry(20, 0)) ? 1 : 0;
        }

        /** Takes what is there. */
        @Actor
        public void consumer(final III_Result r)
        {
            r.r2 = ring.drain(entry -> taken = ReturnRing.generation(entry), 4);
            r.r3 = (int)taken;
        }
    }

    /**
     * The retirement race: a producer offers and then reads whether the magazine is still current; the retiring side
     * marks it retired, then drains and checks for emptiness. Either the producer sees the retirement (and lists the
     * magazine again), or the consumer sees the entry or the claim: an entry nobody will find is forbidden.
     */
    @JCStressTest
    @Description("ReturnRing: a claim missed by the emptiness check is never missed by the producer's re-check")
    @Outcome(id = { "0, 1, 1", "1, 1, 1" }, expect = ACCEPTABLE, desc = "the consumer took the entry")
    @Outcome(id = { "0, 0, 0", "1, 0, 0" }, expect = ACCEPTABLE,
        desc = "the consumer saw the claim (not written yet): the magazine stays listed")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the producer saw the retirement: it lists the magazine")
    @Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "stranded: the magazine dropped, the producer unaware")
    @Outcome(expect = FORBIDDEN, desc = "impossible")
    @State
    public static class Retire
    {
        private final ReturnRing ring = new ReturnRing(4);
        private volatile int retired;

        /** Frees into the ring, then re-reads whether the magazine is still current. */
        @Actor
        public void producer(final III_Result r)
        {
            ring.offer(ReturnRing.entry(5, 1));
            r.r1 = retired;
        }

        /** Retires, drains, and checks whether anything is on its way (if not, IoPath drops the magazine). */
        @Actor
        public void consumer(final III_Result r)
        {
            retired = 1;
            r.r2 = ring.drain(entry -> { }, 4);
            r.r3 = ring.isEmpty() ? 1 : 0;
        }
    }
}
