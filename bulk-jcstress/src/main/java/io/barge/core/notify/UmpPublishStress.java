package io.barge.core.notify;

import io.barge.core.ProtocolViolationException;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
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
    private static final Pool<UmpChannel> CHANNELS =
        new Pool<>(() -> Notifications.openUmp(SharedMachine.KERNEL, SharedMachine.A, SharedMachine.B, 2));
    private static final int WORDS = NotifySender.MAX_PAYLOAD_LENGTH / 8;

    private final UmpChannel channel = CHANNELS.take();
    private final int[] seen = new int[1];
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

    /** Sends message {@code n} whose every payload word is {@code n + 1}. */
    @Actor
    public void sender()
    {
        final UmpSender sender = channel.sender();
        final int at = sender.tryClaim();
        if (at < 0)
        {
            throw new IllegalStateException("back-pressured: the arbiter left unread messages");
        }
        final long value = sender.position() + 1;
        for (int i = 0; i < WORDS; i++)
        {
            sender.buffer().putLong(at + i * 8, value);
        }
        sender.commit(1, NotifySender.MAX_PAYLOAD_LENGTH);
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
