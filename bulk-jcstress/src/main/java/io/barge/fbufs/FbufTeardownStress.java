package io.barge.fbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transports;
import io.barge.jcstress.Pool;
import io.barge.jcstress.SharedMachine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.Map;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The quiescent-state deferral of an fbufs hop's teardown ({@link FbufChannel}, class comment), through the real
 * {@link FbufReceiver#poll} and {@link FbufChannel#close()}: the receiver's first call records its thread and reads
 * the open flag, then takes a message (the notification ring, the in-flight record, the fbuf's nodes); the close, on
 * another thread, clears the flag and reads the ends' threads. A poll that saw the hop open and took the message must
 * find the hop not yet released right after (its fbuf still the path's, its bytes still there); a release under that
 * call would have given the fbuf back while the receiver still reads it: forbidden.
 * <p>
 * r1: -1 if the poll saw the close, else 1 if it took the message whole (2 if none had come yet) and the hop was not
 * released right after the poll, 0 if it was released under a call that saw the hop open (or the message was not
 * whole). r2: whether the hop was released right after the close returned, for information: 1 when the receiver's
 * thread had ended by then (jcstress's actor threads end with their batch), which makes it quiescent. The sender
 * sends on the closing thread, so it is quiescent at the close and only the receiver can keep the hop. The arbiter is the receiver's next call,
 * which sees the close and releases everything.
 */
@JCStressTest
@Description("fbufs teardown: a close never releases a hop under a receiver whose poll saw it open")
@Outcome(id = { "-1, 0", "-1, 1" }, expect = ACCEPTABLE, desc = "the poll saw the close")
@Outcome(id = { "1, 0", "1, 1" }, expect = ACCEPTABLE, desc = "the poll saw it open and took the message whole; " +
    "released only after its call (once its thread ended)")
@Outcome(id = { "2, 0", "2, 1" }, expect = ACCEPTABLE, desc = "the poll saw it open before the message came; " +
    "released only after its call (once its thread ended)")
@Outcome(id = { "0, 0", "0, 1" }, expect = FORBIDDEN, desc = "released under a receiver that saw the hop open and " +
    "still runs, or the message was not whole")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class FbufTeardownStress
{
    private static final long STAMP = 0x5EED_F00D_CAFE_0001L;
    /** Polls an empty hop at most this often: the receiver overlaps the send and the close, boundedly. */
    private static final int POLLS = 200;
    /** One transport (one region) for every state; each state opens and releases a path of its own. */
    private static final FbufTransport TRANSPORT = (FbufTransport)Transports.create(SharedMachine.KERNEL, "fbufs",
        Map.of());
    /** Tokens bounding the paths alive at once below the region's 1024 (two strides). */
    private static final Pool<Object> PATHS = new Pool<>(Object::new, 900);

    private final Object token = PATHS.take();
    private final FbufChannel channel = TRANSPORT.open(SharedMachine.A, SharedMachine.B,
        new ChannelConfig(64, 2, ChannelConfig.Notification.UMP));
    private final Message message = channel.receiver().newMessage();

    /** The receiver's calls: polls until the message comes (or the close), as a receiver racing a teardown would. */
    @Actor
    public void receiver(final II_Result r)
    {
        try
        {
            int status = channel.receiver().poll(message);
            for (int tries = 0; status == Status.EMPTY && tries < POLLS; tries++)
            {
                status = channel.receiver().poll(message); // until the message comes or the close is seen
            }
            final boolean whole = status == Status.OK && message.getLong(0) == STAMP;
            final boolean released = channel.isReleased();
            r.r1 = released ? 0 : status != Status.OK && status != Status.EMPTY ? 10 + status :
                status == Status.OK && !whole ? 3 : status == Status.OK ? 1 : 2;
        }
        catch (final ChannelClosedException closed)
        {
            r.r1 = -1;
        }
    }

    /** The sender's thread: sends one message (so a poll may read a real fbuf), then tears the hop down. */
    @Actor
    public void closer(final II_Result r)
    {
        final Claim claim = channel.sender().newClaim();
        if (channel.sender().tryClaim(64, claim) != Status.OK)
        {
            throw new IllegalStateException("no fbuf for the stress's message");
        }
        claim.putLong(0, STAMP);
        channel.sender().commit(claim);
        channel.close();
        r.r2 = channel.isReleased() ? 1 : 0;
    }

    /** The receiver's next call (here, after both actors): it sees the close and the hop is released. */
    @Arbiter
    public void arbiter(final II_Result r)
    {
        try
        {
            channel.receiver().poll(channel.receiver().newMessage());
            throw new IllegalStateException("a poll after close must throw");
        }
        catch (final ChannelClosedException expected)
        {
            if (!channel.isReleased())
            {
                throw new IllegalStateException("the receiver saw the close but the hop kept its fbufs");
            }
        }
        PATHS.give(token); // released: the path's id is free again
    }
}
