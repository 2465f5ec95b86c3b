package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Message;
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
 * The quiescent-state deferral of a xen channel's teardown ({@link AbstractXenChannel}, class comment), through the
 * real {@link XenBackend#poll} and {@link XenChannel#close()}: the back end's call records its thread (volatile) and
 * reads the state, then reads the shared ring through its raw view over the front end's ring frame; the close, on
 * another thread, stores CLOSED and reads the ends' threads. While the channel holds the ring, the frame carries two
 * pins: the channel's own (for its life) and the back end's grant map. A poll that saw the channel open and then
 * finds fewer would have read a frame the teardown unmapped and freed under it: forbidden.
 * <p>
 * r1: -1 if the poll saw the close, else the ring frame's pin count right after the poll, read on the back end's
 * thread while it still runs (2: kept for this end). r2: the pin count right after the close returned, for
 * information (0 once the back end saw the close first). The front end is never called after setup, so only the
 * back end keeps the frames. The arbiter is the back end's next call, which sees the close and frees everything.
 */
@JCStressTest
@Description("xen teardown: a close never frees the ring under a back end whose poll saw the channel open")
@Outcome(id = { "-1, 0", "-1, 2" }, expect = ACCEPTABLE, desc = "the poll saw the close")
@Outcome(id = { "2, 0", "2, 2" }, expect = ACCEPTABLE, desc = "the poll saw it open; the close kept the ring")
@Outcome(id = { "0, 0", "0, 2", "1, 0", "1, 2" }, expect = FORBIDDEN, desc = "the ring was unmapped or freed under the poll")
@Outcome(expect = FORBIDDEN, desc = "impossible pin count")
@State
public class XenTeardownStress
{
    /** One transport (hypervisor, event channels) for the VM: a state's channel takes two of its ports. */
    private static final XenTransport TRANSPORT = (XenTransport)Transports.create(SharedMachine.KERNEL, "xen",
        Map.of("grants", GrantMode.PERSISTENT.optionValue()));
    /** Tokens bounding the channels alive at once below each domain's 1024 event-channel ports (two strides). */
    private static final Pool<Object> PORTS = new Pool<>(Object::new, 900);

    private final Object token = PORTS.take();
    private final XenChannel channel = TRANSPORT.open(SharedMachine.A, SharedMachine.B,
        new ChannelConfig(64, 2, ChannelConfig.Notification.UMP));
    private final int ring = channel.ringFrame();
    private final Message message = channel.receiver().newMessage();

    /** The back end's first call: polls the ring (empty), as a back end racing a teardown would. */
    @Actor
    public void backEnd(final II_Result r)
    {
        try
        {
            channel.receiver().poll(message);
            r.r1 = SharedMachine.KERNEL.pinCountOf(ring);
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
        r.r2 = SharedMachine.KERNEL.pinCountOf(ring);
    }

    /** The back end's next call (here, after both actors): it sees the close and the channel frees everything. */
    @Arbiter
    public void arbiter(final II_Result r)
    {
        try
        {
            channel.receiver().poll(message);
            throw new IllegalStateException("a poll after close must throw");
        }
        catch (final ChannelClosedException expected)
        {
            if (!channel.isReleased())
            {
                throw new IllegalStateException("the back end saw the close but the channel kept its frames");
            }
        }
        PORTS.give(token);
    }
}
