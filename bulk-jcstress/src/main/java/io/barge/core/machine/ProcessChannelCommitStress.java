package io.barge.core.machine;

import io.barge.jcstress.Pool;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import java.nio.ByteBuffer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The commit protocol of a channel between processes ({@link ProcessChannelDescriptor}) through the real
 * {@link ProcessSender} and {@link ProcessReceiver}: the sender copies the payload and the zero after it with plain
 * stores and commits the length with release while the receiver polls (length with acquire). A 4 KiB ring reused
 * from state to state wraps every 56 messages (padding and the reuse of old records' bytes included); message
 * {@code n} carries {@code n + 1} in every word, so a stale or torn payload behind a new length is caught.
 */
@JCStressTest
@Description("Process channel: a receiver that sees a record's length sees its payload, across ring wraps")
@Outcome(id = "0", expect = ACCEPTABLE, desc = "the message is not visible yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the message is seen whole")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the length was seen with a stale or torn payload")
@Outcome(id = "3", expect = FORBIDDEN, desc = "the receiver found the ring broken")
@State
public class ProcessChannelCommitStress
{
    private static final int WORDS = 8;
    private static final Pool<Rig> RIGS = new Pool<>(Rig::new);

    /** A sender and receiver over private buffers laid out as the kernel lays out a channel's frames. */
    static final class Rig
    {
        final ProcessSender sender;
        final ProcessReceiver receiver;
        final UnsafeBuffer message = new UnsafeBuffer(new byte[WORDS * 8]);
        long sent;
        long received;
        int verdict;
        final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
        {
            final long expected = ++received;
            int seen = length == WORDS * 8 ? 1 : 2;
            for (int i = 0; i < WORDS; i++)
            {
                if (buffer.getLong(offset + i * 8) != expected)
                {
                    seen = 2;
                }
            }
            verdict = seen;
        };

        Rig()
        {
            final int capacity = 4096;
            final ChannelEntry entry = new ChannelEntry(1, 1, 2, 1, 2, 0, 2, capacity, WORDS * 8);
            final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            ProcessChannelDescriptor.writeHeader(header, 1, capacity, WORDS * 8,
                ProcessChannelDescriptor.KIND_RING);
            final UnsafeBuffer ring = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
            final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(ChannelTableDescriptor.SLOT_LENGTH));
            ChannelTableDescriptor.writeSlot(table, 0, entry);
            sender = new ProcessSender(null, entry, header, ring, table, 0);
            receiver = new ProcessReceiver(null, entry, header, ring, table, 0);
        }
    }

    private final Rig rig = RIGS.take();

    /** Sends the next message. */
    @Actor
    public void sender()
    {
        final long value = ++rig.sent;
        for (int i = 0; i < WORDS; i++)
        {
            rig.message.putLong(i * 8, value);
        }
        if (rig.sender.offer(rig.message, 0, WORDS * 8) != ProcessSender.OK)
        {
            throw new IllegalStateException("back-pressured: the arbiter left unread messages");
        }
    }

    /**
     * Polls once.
     *
     * @param r 0 nothing, 1 whole, 2 stale or torn, 3 broken.
     */
    @Actor
    public void receiver(final I_Result r)
    {
        rig.verdict = 0;
        try
        {
            rig.receiver.poll(rig.check, 1);
            r.r1 = rig.verdict;
        }
        catch (final ChannelBrokenException ex)
        {
            r.r1 = 3;
        }
    }

    /** Takes the message if the receiver missed it, so the ring is empty for the next state. */
    @Arbiter
    public void arbiter()
    {
        while (rig.received < rig.sent)
        {
            rig.receiver.poll((buffer, offset, length) -> rig.received++, 1);
        }
        RIGS.give(rig);
    }
}
