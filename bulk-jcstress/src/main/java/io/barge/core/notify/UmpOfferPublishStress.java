package io.barge.core.notify;

import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
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
 * UMP's publish protocol (UmpDescriptor steps 2-4) through {@link UmpSender#offer}, the one-pass send (a bulk copy
 * of the payload, then the control word with release), while the receiver polls (control word with acquire); the
 * claim-and-commit path is {@link UmpPublishStress}. The two-slot ring of {@link UmpPublishRig} puts every message
 * in a slot that held a message two sends before, under the other epoch, so seeing the new control word with the
 * old payload is caught.
 */
@JCStressTest
@Description("UMP offer: a receiver that sees a slot's new control word sees the copied payload, across ring wraps")
@Outcome(id = "0", expect = ACCEPTABLE, desc = "the message is not visible yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the message is seen with its own payload")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the new control word was seen with a stale payload")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the receiver rejected the slot as corrupt")
@State
public class UmpOfferPublishStress
{
    private final UmpPublishRig rig = new UmpPublishRig();
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[NotifySender.MAX_PAYLOAD_LENGTH]);

    /** Sends message {@code n} whose every payload word is {@code n + 1}, copied by offer. */
    @Actor
    public void sender()
    {
        final UmpSender sender = rig.channel.sender();
        final long value = rig.nextValue();
        for (int i = 0; i < UmpPublishRig.WORDS; i++)
        {
            payload.putLong(i * 8, value);
        }
        if (sender.offer(1, payload, 0, NotifySender.MAX_PAYLOAD_LENGTH) != Status.OK)
        {
            throw new IllegalStateException("back-pressured: the arbiter left unread messages");
        }
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
