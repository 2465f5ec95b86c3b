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
 * The IOrec publish of an Rbufs channel between processes ({@link RbufsChannelDescriptor}) through the real
 * {@link ProcessRbufsSender} and {@link ProcessRbufsReceiver}: the sender writes a message in place in a buffer of the
 * data area and its IOrec with plain stores, then the transmit producer index with release, while the receiver polls
 * (index with acquire). The rig is reused from state to state, so the rings wrap every 64 messages and the buffer
 * returned last is written again next (the return path's release and acquire are exercised too); message {@code n}
 * carries {@code n} in every word, so a stale buffer or IOrec behind a new index is caught.
 */
@JCStressTest
@Description("Rbufs process channel: a receiver that sees the producer index sees the IOrec and the bytes in place")
@Outcome(id = "0", expect = ACCEPTABLE, desc = "the message is not visible yet")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the message is seen whole")
@Outcome(id = "2", expect = FORBIDDEN, desc = "the index was seen with a stale or torn IOrec or payload")
@Outcome(id = "3", expect = FORBIDDEN, desc = "an end found the channel broken")
@State
public class RbufsIoRecPublishStress
{
    private static final int WORDS = 8;
    private static final Pool<Rig> RIGS = new Pool<>(Rig::new);

    /** A sender and receiver over private buffers laid out as the kernel lays out an Rbufs channel's frames. */
    static final class Rig
    {
        final ProcessRbufsSender sender;
        final ProcessRbufsReceiver receiver;
        long sent;
        long received;
        int verdict;
        boolean broken;
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
            final int capacity = 4096; // 64 buffers of 64 bytes, rings of 64 IOrecs
            final int max = WORDS * 8;
            final int slots = RbufsChannelDescriptor.slots(RbufsChannelDescriptor.bufferCount(capacity, max));
            final ChannelEntry entry = new ChannelEntry(1, 1, 2, 1, 2, 0,
                RbufsChannelDescriptor.frameCount(capacity, max, 4096), capacity, max);
            entry.kind = ProcessChannelDescriptor.KIND_RBUFS;
            final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            ProcessChannelDescriptor.writeHeader(header, 1, capacity, max, ProcessChannelDescriptor.KIND_RBUFS);
            final UnsafeBuffer control = new UnsafeBuffer(ByteBuffer.allocateDirect(
                RbufsChannelDescriptor.returnRingOffset(slots) + slots * RbufsChannelDescriptor.IOREC_LENGTH));
            final UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
            final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(ChannelTableDescriptor.SLOT_LENGTH));
            ChannelTableDescriptor.writeSlot(table, 0, entry);
            sender = new ProcessRbufsSender(null, entry, header, control, data, table, 0);
            receiver = new ProcessRbufsReceiver(null, entry, header, control, data, table, 0);
        }
    }

    private final Rig rig = RIGS.take();

    /** Claims a buffer, writes the next message in place, commits. */
    @Actor
    public void sender()
    {
        try
        {
            if (rig.sender.tryClaim(WORDS * 8) != ProcessRbufsSender.OK)
            {
                throw new IllegalStateException("back-pressured: the arbiter left buffers out");
            }
            final long value = ++rig.sent;
            for (int i = 0; i < WORDS; i++)
            {
                rig.sender.buffer().putLong(i * 8, value);
            }
            rig.sender.commit();
        }
        catch (final ChannelBrokenException ex)
        {
            rig.broken = true; // reported by the arbiter: the actors' fields are their own
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

    /** Takes the message if the receiver missed it, so every buffer is back (or returning) for the next state. */
    @Arbiter
    public void arbiter(final I_Result r)
    {
        try
        {
            while (rig.received < rig.sent && !rig.broken)
            {
                rig.receiver.poll((buffer, offset, length) -> rig.received++, 1);
            }
        }
        catch (final ChannelBrokenException ex)
        {
            rig.broken = true;
        }
        if (rig.broken)
        {
            r.r1 = 3;
            return; // a broken rig is not reused
        }
        RIGS.give(rig);
    }
}
