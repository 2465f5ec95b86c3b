package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The Dekker pair behind a teardown racing an end (AbstractNotifyChannel, class comment, steps 2 and 3), through the
 * real {@link UmpSender} and {@link UmpChannel#close()}: the sender's first call records its thread (volatile) and
 * then reads the state; the close stores CLOSED and then reads the recorded thread. A sender whose claim saw the
 * channel open goes on to store its payload into the ring; if the close had judged it quiescent and dropped its pin
 * meanwhile, that store could land in a frame the kernel hands to anybody: forbidden.
 * <p>
 * r1: -1 if the claim saw the teardown, else the ring's pin count right after the payload store, read by the sender
 * itself while it is still running (2: both ends' pins, the close has not dropped the never-used receiver's yet; 1:
 * the close ran and kept the sender's; 0: the sender's pin is gone under it). r2: the ring's pin count right after
 * the close returned, for information (0 once the sender saw the teardown, or its thread had ended). The arbiter is
 * the sender's next call, which returns the frames, so a stride of states holds a bounded number of them.
 */
@JCStressTest
@Description("UMP teardown: a close never drops the ring's pin under a sender whose claim saw the channel open")
@Outcome(id = { "-1, 0", "-1, 1" }, expect = ACCEPTABLE, desc = "the claim saw the teardown")
@Outcome(id = { "1, 0", "1, 1" }, expect = ACCEPTABLE, desc = "the claim saw it open; the close kept the ring")
@Outcome(id = { "2, 0", "2, 1" }, expect = ACCEPTABLE, desc = "the store happened before the close's judgement")
@Outcome(id = { "0, 0", "0, 1" }, expect = FORBIDDEN, desc = "the ring lost the sender's pin while it stored")
@Outcome(expect = FORBIDDEN, desc = "impossible pin count")
@State
public class UmpTeardownStress
{
    private final UmpChannel channel = Notifications.openUmp(SharedMachine.KERNEL, SharedMachine.A, SharedMachine.B,
        2);
    private final int ringFrame = channel.ringFrame();

    /** The sender's first call: claims a slot and stores a payload word, as a sender racing a teardown would. */
    @Actor
    public void sender(final II_Result r)
    {
        try
        {
            final int at = channel.sender().tryClaim();
            if (at < 0)
            {
                throw new IllegalStateException("a fresh ring cannot be full");
            }
            channel.sender().buffer().putLong(at, 0x5EED);
            r.r1 = SharedMachine.KERNEL.pinCountOf(ringFrame);
        }
        catch (final ChannelClosedException closed)
        {
            r.r1 = -1;
        }
    }

    /** Tears the channel down from another thread and reports the pins it left on the ring. */
    @Actor
    public void closer(final II_Result r)
    {
        channel.close();
        r.r2 = SharedMachine.KERNEL.pinCountOf(ringFrame);
    }

    /** The sender's next call (here, after both actors): it sees the teardown and returns the frames. */
    @Arbiter
    public void arbiter(final II_Result r)
    {
        channel.sender().abort();
        channel.sender().hasRoom();
    }
}
