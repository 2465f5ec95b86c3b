package io.barge.core.notify;

import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Status;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
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
 * claim-and-commit path is {@link UmpPublishStress}. A two-slot ring, reused from state to state, puts every message in a slot
 * that held a message two sends before, under the other epoch: the index wraps every second trial, and a stale
 * payload is a different number, so seeing the new control word with the old payload is caught.
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
    private static final Pool<UmpChannel> CHANNELS =
        new Pool<>(() -> Notifications.openUmp(SharedMachine.KERNEL, SharedMachine.A, SharedMachine.B, 2));
    private static final int WORDS = NotifySender.MAX_PAYLOAD_LENGTH / 8;

    private final UmpChannel channel = CHANNELS.take();
    private final int[] seen = new int[1];
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[NotifySender.MAX_PAYLOAD_LENGTH]);
    private final NotifyHandler check = (type, buffer, offset, length) ->
    {
        final long expected = channel.receiver().position() + 1; // position is stored after the poll loop
        int verdict = length == NotifySender.MAX_PAYLOAD_LENGTH ? 1 : 2;
        for (int i = 0; i < WORDS; i++)
        {
            if (buffer.getLong(offset + i * 8) != expected)
            {
                verdict = 2;
            }
        }
        seen[0] = verdict;
    };

    /** Sends message {@code n} whose every payload word is {@code n + 1}, copied by offer. */
    @Actor
    public void sender()
    {
        final UmpSender sender = channel.sender();
        final long value = sender.position() + 1;
        for (int i = 0; i < WORDS; i++)
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
        seen[0] = 0;
        try
        {
            channel.receiver().poll(check, 1);
            r.r1 = seen[0];
        }
        catch (final ProtocolViolationException ex)
        {
            r.r1 = 3;
        }
    }

    /** Takes the message if the receiver missed it, so the ring is empty and acknowledged for the next state. */
    @Arbiter
    public void arbiter(final I_Result r)
    {
        final UmpReceiver receiver = channel.receiver();
        while (receiver.position() < channel.sender().position())
        {
            receiver.poll((type, buffer, offset, length) -> { }, 1);
        }
        if (channel.isOpen())
        {
            CHANNELS.give(channel);
        }
    }
}
