package io.barge.bench.report;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;

/**
 * A chain of domains joined by one transport's channels, driven from one thread: each message is claimed and
 * committed at the source, then polled and forwarded hop by hop, and touched (or not) and released at the sink
 * before the next message starts. One domain crossing is a path of one hop.
 */
final class TransportPath implements AutoCloseable
{
    /** How long a message may take to show up before the transport is declared stuck. */
    private static final long STUCK_NANOS = 10_000_000_000L;

    private final Kernel kernel;
    private final Domain[] domains;
    private final Channel[] channels;
    private final Message[] messages;
    private final Claim claim;
    private final int messageBytes;
    private final boolean touch;
    private long sequence;

    /**
     * @param kernel       the machine.
     * @param transport    the transport.
     * @param hops         channels in the chain, at least 1.
     * @param messageBytes message size.
     * @param touch        whether the sink reads every byte.
     */
    TransportPath(final Kernel kernel, final Transport transport, final int hops, final int messageBytes,
        final boolean touch)
    {
        this.kernel = kernel;
        this.messageBytes = messageBytes;
        this.touch = touch;
        this.domains = new Domain[hops + 1];
        for (int i = 0; i < domains.length; i++)
        {
            domains[i] = kernel.createDomain("report-" + i + "-of-" + domains.length);
        }
        Channel[] opened = null;
        try
        {
            opened = transport.openPath(domains, config(messageBytes, 8, 4 << 20));
        }
        finally
        {
            if (opened == null)
            {
                destroyDomains();
            }
        }
        this.channels = opened;
        this.messages = new Message[hops];
        for (int i = 0; i < hops; i++)
        {
            messages[i] = channels[i].receiver().newMessage();
        }
        this.claim = channels[0].sender().newClaim();
    }

    /**
     * @param messageBytes largest message.
     * @param maxCapacity  most messages in flight wanted.
     * @param budgetBytes  in-flight bytes per channel not to exceed (unless 2 messages already do).
     * @return a config with as many messages in flight as both limits allow, at least 2.
     */
    static ChannelConfig config(final int messageBytes, final int maxCapacity, final int budgetBytes)
    {
        final int byMemory = Integer.highestOneBit(Math.max(1, budgetBytes / messageBytes));
        final int capacity = Math.max(2, Math.min(maxCapacity, byMemory));
        return ChannelConfig.defaults().withMaxMessageLength(messageBytes).withCapacity(capacity);
    }

    /**
     * @return the channels, source first.
     */
    Channel[] channels()
    {
        return channels;
    }

    /**
     * Moves messages from source to sink one at a time.
     *
     * @param count messages.
     * @return the touch sums (0 when not touching).
     */
    long send(final int count)
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
     * @return its touch sum, or 0.
     */
    long sendOne()
    {
        if (channels[0].sender().tryClaim(messageBytes, claim) != Status.OK)
        {
            throw new IllegalStateException("source back pressured with nothing in flight: " + channels[0]);
        }
        if (messageBytes >= 8)
        {
            claim.putLong(0, ++sequence);
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

    private void receive(final int hop)
    {
        long deadline = 0;
        int spins = 0;
        while (channels[hop].receiver().poll(messages[hop]) != Status.OK)
        {
            deadline = checkStuck(deadline, ++spins, "nothing arrived on hop " + hop);
        }
    }

    private void forward(final int hop)
    {
        long deadline = 0;
        int spins = 0;
        while (channels[hop + 1].sender().forward(messages[hop]) != Status.OK)
        {
            deadline = checkStuck(deadline, ++spins, "forward stayed back pressured on hop " + (hop + 1));
        }
    }

    private static long checkStuck(final long deadline, final int spins, final String what)
    {
        Thread.onSpinWait();
        if ((spins & 1023) != 0)
        {
            return deadline;
        }
        final long now = System.nanoTime();
        if (deadline == 0)
        {
            return now + STUCK_NANOS;
        }
        if (now > deadline)
        {
            throw new IllegalStateException("transport stuck: " + what + " for " + STUCK_NANOS / 1_000_000 + " ms");
        }
        return deadline;
    }

    @Override
    public void close()
    {
        for (final Channel channel : channels)
        {
            channel.close();
        }
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
