package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Message;
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
 * The quiescent-state deferral of an Rbufs channel's teardown ({@link RbufsChannel}, class comment), through the
 * real {@link RbufsReceiver#poll} and {@link RbufsChannel#close()}: the receiver's first call records its thread
 * (volatile) and reads the state, then reads its ring through a raw view over the originator's control area; the
 * close, on another thread, stores CLOSED and reads the ends' threads. A poll that saw the channel open reads the
 * control area's frame; if the close had judged the receiver quiescent meanwhile and dropped the frame's pin (freed
 * it), that read could see a frame the kernel hands to anybody: forbidden.
 * <p>
 * r1: -1 if the poll saw the close, else the control frame's pin count right after the poll, read by the receiver's
 * thread while it is still running (1: the close kept it for this end; 0: freed under a call that saw the channel
 * open). r2: the pin count right after the close returned, for information (0 once the receiver saw the close
 * first). The sender is never called, so only the receiver keeps the frames. The arbiter is the receiver's next
 * call, which sees the close and returns every frame.
 */
@JCStressTest
@Description("Rbufs teardown: a close never frees a control area under a receiver whose poll saw the channel open")
@Outcome(id = { "-1, 0", "-1, 1" }, expect = ACCEPTABLE, desc = "the poll saw the close")
@Outcome(id = { "1, 0", "1, 1" }, expect = ACCEPTABLE, desc = "the poll saw it open; the close kept the frames")
@Outcome(id = { "0, 0", "0, 1" }, expect = FORBIDDEN, desc = "the control area was freed under the poll")
@Outcome(expect = FORBIDDEN, desc = "impossible pin count")
@State
public class RbufsTeardownStress
{
    private final RbufsChannel channel = RbufsChannel.open(SharedMachine.KERNEL, SharedMachine.A, SharedMachine.B,
        new ChannelConfig(64, 2, ChannelConfig.Notification.UMP), RbufsChannel.Mode.TMM, NotifyFactory.CORE, null);
    private final int frame = channel.originatorAreaFrame();
    private final Message message = channel.receiver().newMessage();

    /** The receiver's first call: polls its ring (empty), as a receiver racing a teardown would. */
    @Actor
    public void receiver(final II_Result r)
    {
        try
        {
            channel.receiver().poll(message);
            r.r1 = SharedMachine.KERNEL.pinCountOf(frame);
        }
        catch (final ChannelClosedException closed)
        {
            r.r1 = -1;
        }
    }

    /** Tears the channel down from another thread and reports the pins it left on the control area. */
    @Actor
    public void closer(final II_Result r)
    {
        channel.close();
        r.r2 = SharedMachine.KERNEL.pinCountOf(frame);
    }

    /** The receiver's next call (here, after both actors): it sees the close and returns the frames. */
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
                throw new IllegalStateException("the receiver saw the close but the channel kept its frames");
            }
        }
    }
}
