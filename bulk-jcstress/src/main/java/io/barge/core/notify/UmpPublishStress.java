package io.barge.core.notify;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * UMP's publish protocol (UmpDescriptor steps 2-4) through the real {@link UmpSender} and {@link UmpReceiver}: the
 * sender writes every payload word with plain stores and commits (control word with release) while the receiver
 * polls (control word with acquire). A two-slot ring, reused from state to state, puts every message in a slot
 * that held a message two sends before, under the other epoch: the index wraps every second trial, and a stale
 * payload is a different number, so seeing the new control word with the old payload is caught.
 */
@JCStressTest
@Description("UMP: a receiver that sees a slot's new control word sees that message's payload, across ring wraps")
@Outcome(id = "0", expect = ACCEPTABLE, desc = "the message is not visible yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the message is seen with its own payload")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the new control word was seen with a stale payload")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the receiver rejected the slot as corrupt")
@State
public class UmpPublishStress
{
    private final UmpPublishRig rig = new UmpPublishRig();

    /** Sends message {@code n} whose every payload word is {@code n + 1}. */
    @Actor
    public void sender()
    {
        final UmpSender sender = rig.channel.sender();
        final int at = sender.tryClaim();
        if (at < 0)
        {
            throw new IllegalStateException("back-pressured: the arbiter left unread messages");
        }
        final long value = rig.nextValue();
        for (int i = 0; i < UmpPublishRig.WORDS; i++)
        {
            sender.buffer().putLong(at + i * 8, value);
        }
        sender.commit(1, NotifySender.MAX_PAYLOAD_LENGTH);
    }

    /** Polls once. */
    @Actor
    public void receiver(final I_Result r)
    {
        rig.receive(r);
    }

    /** Takes the message if the receiver missed it, so the ring is empty and acknowledged for the next state. */
    @Arbiter
    public void arbiter(final I_Result r)
    {
        rig.finish();
    }
}
