package io.barge.drivers.pipeline;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * A pipeline stepped by the calling thread, one message at a time: the source claims and commits, each middle
 * domain polls and forwards through an {@link Outlet} (as a {@link StageHandler#FORWARD} stage of a
 * {@link Pipeline} does), and the sink touches (or not) and releases before the next message starts. For
 * measurements that time each message or need no threads (the report's single-thread rows); one domain crossing is
 * a path of one hop. Opened on a transport the caller owns, with {@code Transport.openPath}.
 */
public final class PipelinePath implements AutoCloseable
{
    /** How long a message may take to show up before the transport is declared stuck. */
    private static final long STUCK_NANOS = 10_000_000_000L;

    private final Kernel kernel;
    private final Domain[] domains;
    private final ChannelPath path;
    /** The path's hops, for the per-message loop. */
    private final Channel[] channels;
    private final Outlet[] outlets;
    private final Message[] messages;
    private final Claim claim;
    private final int messageBytes;
    private final boolean touch;
    private final IdleStrategy idle = new BusySpinIdleStrategy();
    private long sequence;

    /**
     * Creates {@code hops + 1} domains and opens the path over them.
     *
     * @param kernel       the machine.
     * @param transport    the transport of every hop; the caller closes it.
     * @param hops         channels in the chain, at least 1.
     * @param config       every hop's configuration.
     * @param messageBytes message size, 1..{@code config.maxMessageLength()}.
     * @param touch        whether the sink reads every byte.
     */
    public PipelinePath(final Kernel kernel, final Transport transport, final int hops, final ChannelConfig config,
        final int messageBytes, final boolean touch)
    {
        if (hops < 1 || messageBytes < 1 || messageBytes > config.maxMessageLength())
        {
            throw new IllegalArgumentException("hops=" + hops + " must be at least 1 and messageBytes=" +
                messageBytes + " in [1, " + config.maxMessageLength() + "]");
        }
        this.kernel = kernel;
        this.messageBytes = messageBytes;
        this.touch = touch;
        this.domains = new Domain[hops + 1];
        ChannelPath opened = null;
        try
        {
            for (int i = 0; i < domains.length; i++)
            {
                domains[i] = kernel.createDomain("path-" + i + "-of-" + domains.length);
            }
            opened = transport.openPath(config, domains);
        }
        finally
        {
            if (opened == null)
            {
                destroyDomains();
            }
        }
        this.path = opened;
        this.channels = new Channel[opened.hops()];
        for (int i = 0; i < channels.length; i++)
        {
            channels[i] = opened.hop(i);
        }
        this.messages = new Message[hops];
        this.outlets = new Outlet[hops];
        for (int i = 0; i < hops; i++)
        {
            messages[i] = channels[i].receiver().newMessage();
            // One transport, one path: a middle domain forwards without copying where the transport can.
            outlets[i] = i == 0 ? null : new Outlet(channels[i].sender(), true);
        }
        this.claim = channels[0].sender().newClaim();
    }

    /**
     * @return the path's channels, source first.
     */
    public ChannelPath path()
    {
        return path;
    }

    /**
     * Moves messages from source to sink one at a time.
     *
     * @param count messages.
     * @return the sum of the touch sums (of the lengths when not touching).
     */
    public long send(final int count)
    {
        long sum = 0;
        for (int m = 0; m < count; m++)
        {
            sum += sendOne();
        }
        return sum;
    }

    /**
     * Moves one message from source to sink.
     *
     * @return its touch sum, or its length when not touching.
     * @throws IllegalStateException if a hop stays empty or back pressured for 10 s (the transport is stuck).
     */
    public long sendOne()
    {
        if (channels[0].sender().tryClaim(messageBytes, claim) != Status.OK)
        {
            // Nothing is in flight, but a transport whose buffers return along the path (rbufs) may still have
            // returns on the way: every domain polls once, sink first, as each would when idle, then the source tries
            // again.
            settle();
            if (channels[0].sender().tryClaim(messageBytes, claim) != Status.OK)
            {
                throw new IllegalStateException("source back pressured with nothing in flight: " + channels[0]);
            }
        }
        if (messageBytes >= 8)
        {
            claim.putLong(0, ++sequence); // the bytes change from message to message
        }
        channels[0].sender().commit(claim);
        final int last = channels.length - 1;
        for (int hop = 0; hop < last; hop++)
        {
            receive(hop);
            forward(hop);
        }
        receive(last);
        final Message message = messages[last];
        final long sum = touch ? message.touch() : message.length();
        channels[last].receiver().release(message);
        return sum;
    }

    private void settle()
    {
        for (int hop = channels.length - 1; hop >= 0; hop--)
        {
            if (channels[hop].receiver().poll(messages[hop]) == Status.OK)
            {
                throw new IllegalStateException("a message showed up on hop " + hop + " with nothing sent");
            }
        }
    }

    private void receive(final int hop)
    {
        long deadline = 0;
        idle.reset();
        while (channels[hop].receiver().poll(messages[hop]) != Status.OK)
        {
            deadline = checkStuck(deadline, "nothing arrived on hop " + hop);
        }
    }

    private void forward(final int hop)
    {
        long deadline = 0;
        idle.reset();
        while (outlets[hop + 1].forward(messages[hop]) != Status.OK)
        {
            deadline = checkStuck(deadline, "forward stayed back pressured on hop " + (hop + 1));
        }
    }

    private long checkStuck(final long deadline, final String what)
    {
        idle.idle();
        final long now = System.nanoTime();
        if (deadline == 0)
        {
            return now + STUCK_NANOS;
        }
        if (now - deadline > 0)
        {
            throw new IllegalStateException("transport stuck: " + what + " for " + STUCK_NANOS / 1_000_000 + " ms");
        }
        return deadline;
    }

    /**
     * Closes the channels and destroys the domains (the transport stays open).
     */
    @Override
    public void close()
    {
        path.close();
        destroyDomains();
    }

    private void destroyDomains()
    {
        for (final Domain domain : domains)
        {
            if (domain != null && domain.isAlive())
            {
                kernel.destroyDomain(domain);
            }
        }
    }
}
