package io.barge.core.notify;

import io.barge.core.ProtocolViolationException;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * What the UMP publish tests share: a two-slot channel per state, reused from state to state so that the ring
 * wraps every second trial, the receiver's verdict on what it saw, and the arbiter's clean-up. Message {@code n}
 * carries {@code n + 1} in every payload word.
 */
final class UmpPublishRig
{
    /** Payload words of a full message. */
    static final int WORDS = NotifySender.MAX_PAYLOAD_LENGTH / 8;

    private static final Pool<UmpChannel> CHANNELS =
        new Pool<>(() -> Notifications.openUmp(SharedMachine.KERNEL, SharedMachine.A, SharedMachine.B, 2));

    final UmpChannel channel = CHANNELS.take();
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

    /**
     * @return the value every payload word of the next message carries.
     */
    long nextValue()
    {
        return channel.sender().position() + 1;
    }

    /**
     * Polls once: 0 nothing visible, 1 the message with its own payload, 2 a stale payload, 3 rejected as corrupt.
     *
     * @param r where the verdict goes.
     */
    void receive(final I_Result r)
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
    void finish()
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
