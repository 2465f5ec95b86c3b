package io.barge.fbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.notify.Waitset;
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
import org.openjdk.jcstress.infra.results.I_Result;

import java.util.Map;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between an fbufs receiver's {@link FbufReceiver#register} and a close of its hop on another
 * thread: whichever order the two take, once both returned the registered handler is pending (the close woke it,
 * or the register saw the close and registered as ready), so a receiver waiting on its waitset learns of the close.
 * The hop's notification channel closes only with the quiescent release, later, so nothing below fbufs wakes the
 * handler in its place (LMP: an idle channel only a trigger makes pending). A blocking {@code receive} racing a
 * {@code close} hung on this once.
 * <p>
 * r1: 1 if the handler ran when the arbiter dispatched the waitset once, 0 if it was left registered and idle.
 */
@JCStressTest
@Description("fbufs register vs close: the handler is always woken")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the handler was woken by the close, or registered as ready")
@Outcome(id = "0", expect = FORBIDDEN, desc = "lost wake-up: the handler stays registered after the close")
@State
public class FbufRegisterCloseStress
{
    /** One transport (one region) for every state; each state opens and releases a hop of its own. */
    private static final FbufTransport TRANSPORT = (FbufTransport)Transports.create(SharedMachine.KERNEL, "fbufs",
        Map.of());
    /** Tokens bounding the hops alive at once below the region's 1024. */
    private static final Pool<Object> HOPS = new Pool<>(Object::new, 900);

    private final Object token = HOPS.take();
    private final FbufChannel channel = TRANSPORT.open(SharedMachine.A, SharedMachine.B,
        new ChannelConfig(64, 2, ChannelConfig.Notification.LMP));
    private final Message message = channel.receiver().newMessage();
    private final Waitset waitset = new Waitset("register-close");
    private boolean ran;
    private final Runnable handler = () -> ran = true;

    /**
     * The receiver's thread, as a blocking receive does: polls (finds nothing, or the close), then registers. The
     * poll records its thread, so the close cannot release the hop at once: the release's wake-up does not come.
     */
    @Actor
    public void receiver()
    {
        try
        {
            channel.receiver().poll(message);
        }
        catch (final ChannelClosedException closed)
        {
            // the close came first: register must still leave the handler pending
        }
        channel.receiver().register(waitset, handler);
    }

    /** Another thread closes the hop. */
    @Actor
    public void closer()
    {
        channel.close();
    }

    /** Dispatches the waitset once, then makes the receiver's next call, which releases the hop. */
    @Arbiter
    public void arbiter(final I_Result r)
    {
        waitset.poll();
        r.r1 = ran ? 1 : 0;
        if (!ran)
        {
            channel.receiver().deregister();
        }
        try
        {
            channel.receiver().poll(message);
            throw new IllegalStateException("a poll after close must throw");
        }
        catch (final ChannelClosedException expected)
        {
            HOPS.give(token);
        }
    }
}
