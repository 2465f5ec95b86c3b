package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A path of {@code hops} Rbufs channels over {@code hops + 1} fresh domains, opened with
 * {@link RbufsTransport#openPath}, with one message flyweight per hop and helpers that move messages along it.
 */
final class RbufsPathRig implements AutoCloseable
{
    final Kernel kernel;
    final Domain[] domains;
    final RbufsTransport transport;
    final RbufsChannel[] hops;
    final Message[] messages;
    private final Message[] scratch;
    final Claim claim;
    final int maxLength;
    final int capacity;

    RbufsPathRig(final Kernel kernel, final int hops, final int maxLength, final int capacity)
    {
        this.kernel = kernel;
        this.maxLength = maxLength;
        this.capacity = capacity;
        this.domains = new Domain[hops + 1];
        for (int i = 0; i < domains.length; i++)
        {
            domains[i] = kernel.createDomain("d" + i);
        }
        final RbufsTransportProvider provider = new RbufsTransportProvider();
        transport = (RbufsTransport)provider.create(kernel,
            TransportOptions.parse(RbufsTransportProvider.NAME, provider.options(), Map.of("mode", "tmm")));
        final ChannelPath opened = transport.openPath(new ChannelConfig(maxLength, capacity,
            ChannelConfig.Notification.UMP), domains);
        this.hops = new RbufsChannel[opened.hops()];
        this.messages = new Message[opened.hops()];
        this.scratch = new Message[opened.hops()];
        for (int i = 0; i < opened.hops(); i++)
        {
            this.hops[i] = (RbufsChannel)opened.hop(i);
            this.messages[i] = opened.hop(i).receiver().newMessage();
            this.scratch[i] = opened.hop(i).receiver().newMessage();
        }
        this.claim = opened.source().newClaim();
    }

    /** The source sends one message whose byte i is {@code seed + i}. */
    int send(final int length, final int seed)
    {
        return RbufsFixture.send(hops[0].sender(), claim, length, seed);
    }

    /** Hop {@code hop}'s receiver takes one message into its flyweight. */
    void receive(final int hop)
    {
        assertEquals(Status.OK, hops[hop].receiver().poll(messages[hop]), "a message on hop " + hop);
    }

    /** The domain after hop {@code hop} forwards what it received on to hop {@code hop + 1}. */
    void forward(final int hop)
    {
        assertEquals(Status.OK, hops[hop + 1].sender().forward(messages[hop]), "forward onto hop " + (hop + 1));
    }

    /** Receives on every hop but the last and forwards, so the message is at the sink's ring. */
    void carryToSink()
    {
        for (int hop = 0; hop < hops.length - 1; hop++)
        {
            receive(hop);
            forward(hop);
        }
    }

    /** Every receiver polls once, sink first, so that returns climb to the source; each must find nothing. */
    void settle()
    {
        for (int round = 0; round < 2; round++)
        {
            for (int hop = hops.length - 1; hop >= 0; hop--)
            {
                if (hops[hop].isOpen())
                {
                    assertEquals(Status.EMPTY, hops[hop].receiver().poll(scratch[hop]), "nothing left on " + hop);
                }
            }
        }
    }

    /** The source can claim its whole area: every region came back to it. */
    void assertMasterHasEveryRegion()
    {
        final Claim[] claims = new Claim[capacity];
        for (int i = 0; i < capacity; i++)
        {
            claims[i] = hops[0].sender().newClaim();
            assertEquals(Status.OK, hops[0].sender().tryClaim(maxLength, claims[i]), "region " + i + " is back");
        }
        for (final Claim c : claims)
        {
            hops[0].sender().abort(c);
        }
    }

    /** The sum of a counter over the path's domains. */
    long total(final CounterType type)
    {
        long sum = 0;
        for (final Domain domain : domains)
        {
            sum += domain.counter(type);
        }
        return sum;
    }

    @Override
    public void close()
    {
        transport.close();
        for (final Domain domain : domains)
        {
            if (domain.isAlive())
            {
                kernel.destroyDomain(domain);
            }
        }
    }
}
