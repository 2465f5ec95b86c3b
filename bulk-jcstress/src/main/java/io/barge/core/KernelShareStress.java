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

import static io.barge.jcstress.SharedMachine.KERNEL;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Share offers take their frame's stripe, not the kernel's monitor, so an offer races the free or transfer of its
 * frame, which take the monitor and then sweep the stripe: the offer is checked again after it is recorded, under
 * the stripe. Whatever the order, no offer outlives its frame's ownership.
 */
public final class KernelShareStress
{
    /** An owner and a grantee, used by one state at a time. */
    static final class Pair
    {
        final Domain owner = KERNEL.createDomain("share-stress-owner");
        final Domain heir = KERNEL.createDomain("share-stress-heir");
        final Domain grantee = KERNEL.createDomain("share-stress-grantee");
    }

    private static final Pool<Pair> PAIRS = new Pool<>(Pair::new, SharedMachine.MAX_POOLED_DOMAINS / 3);

    private KernelShareStress()
    {
    }

    /** @return the offer's capability, or 0 if the frame was no longer the owner's (freed or handed on first). */
    static long offer(final Pair pair, final int frame)
    {
        try
        {
            return KERNEL.offerShare(pair.owner, frame, pair.grantee, Rights.READ);
        }
        catch (final FrameOwnershipException gone)
        {
            return 0;
        }
    }

    /** @return whether an offer made is still pending (withdrawing it, so the pair is clean either way). */
    static boolean leftOver(final Pair pair, final long capability)
    {
        return capability != 0 && KERNEL.withdrawShare(pair.owner, capability);
    }

    /**
     * The owner offers its frame on one thread and frees it on another: either the offer comes first and the free
     * sweeps it, or the free comes first and the offer is refused. Left pending after both: forbidden.
     */
    @JCStressTest
    @Description("offerShare against freeFrame: no offer outlives the free of its frame")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "offered first: the free swept the offer")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "freed first: the offer was refused")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "an offer of a freed frame is still pending")
    @Outcome(expect = FORBIDDEN, desc = "anything else (the free refused)")
    @State
    public static class OfferAgainstFree
    {
        private final Pair pair = PAIRS.take();
        private final int frame = KERNEL.allocateFrame(pair.owner, false);
        private long capability;

        /** Offers the frame to the grantee. */
        @Actor
        public void offerer(final III_Result r)
        {
            capability = offer(pair, frame);
            r.r1 = capability != 0 ? 1 : 0;
        }

        /** Frees the frame. */
        @Actor
        public void freer(final III_Result r)
        {
            KERNEL.freeFrame(pair.owner, frame);
            r.r2 = 1;
        }

        /** No offer may be left to withdraw; gives the pair back only then. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            r.r3 = leftOver(pair, capability) ? 0 : 1;
            if (r.r3 == 1)
            {
                PAIRS.give(pair);
            }
        }
    }

    /**
     * The owner offers its frame while another thread hands the frame to a second domain: the old owner's offers go
     * with its ownership, whichever comes first.
     */
    @JCStressTest
    @Description("offerShare against transferFrame: no offer outlives its owner's ownership")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "offered first: the transfer swept the offer")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "transferred first: the offer was refused")
    @Outcome(id = ".*, .*, 0", expect = FORBIDDEN, desc = "the old owner's offer is still pending")
    @Outcome(expect = FORBIDDEN, desc = "anything else (the transfer refused)")
    @State
    public static class OfferAgainstTransfer
    {
        private final Pair pair = PAIRS.take();
        private final int frame = KERNEL.allocateFrame(pair.owner, false);
        private long capability;

        /** Offers the frame to the grantee. */
        @Actor
        public void offerer(final III_Result r)
        {
            capability = offer(pair, frame);
            r.r1 = capability != 0 ? 1 : 0;
        }

        /** Hands the frame to the heir. */
        @Actor
        public void transferrer(final III_Result r)
        {
            KERNEL.transferFrame(pair.owner, frame, pair.heir);
            r.r2 = 1;
        }

        /** No offer may be left; frees the frame (now the heir's) and gives the pair back only then. */
        @Arbiter
        public void arbiter(final III_Result r)
        {
            r.r3 = leftOver(pair, capability) ? 0 : 1;
            KERNEL.freeFrame(pair.heir, frame);
            if (r.r3 == 1)
            {
                PAIRS.give(pair);
            }
        }
    }
}
