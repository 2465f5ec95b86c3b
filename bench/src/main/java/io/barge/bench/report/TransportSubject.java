package io.barge.bench.report;

import io.barge.bench.core.TwoThreadRuns;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import org.agrona.concurrent.Agent;

/**
 * One transport channel between two domains, the sender on the calling thread and the receiver, which touches
 * every message, on a consumer thread. Every {@link #STAMP_EVERY}th message carries its send time, and the
 * receiver records the one-way latency (which includes the time the message queued behind others); the consumer's
 * work is {@link TwoThreadSubject#consumed}'s, the same as the Agrona reference's.
 */
final class TransportSubject extends TwoThreadSubject
{
    /** Most messages in flight on a two-thread channel. */
    static final int MAX_IN_FLIGHT = TwoThreadRuns.MAX_IN_FLIGHT;
    /** In-flight bytes per channel not to exceed (unless two messages already do). */
    static final int IN_FLIGHT_BYTES = TwoThreadRuns.IN_FLIGHT_BYTES;

    private final Kernel kernel;
    private final Domain senderDomain;
    private final Domain receiverDomain;
    private final Channel channel;
    private final Sender sender;
    private final Claim claim;
    private final int messageBytes;

    /**
     * @param kernel       the machine.
     * @param transport    the transport.
     * @param messageBytes message size, at least 8.
     */
    TransportSubject(final Kernel kernel, final Transport transport, final int messageBytes)
    {
        this.kernel = kernel;
        this.messageBytes = messageBytes;
        this.senderDomain = kernel.createDomain("report-2t-sender");
        this.receiverDomain = kernel.createDomain("report-2t-receiver");
        Channel opened = null;
        try
        {
            opened = transport.open(senderDomain, receiverDomain, config(messageBytes, MAX_IN_FLIGHT, IN_FLIGHT_BYTES));
        }
        finally
        {
            if (opened == null)
            {
                kernel.destroyDomain(senderDomain);
                kernel.destroyDomain(receiverDomain);
            }
        }
        this.channel = opened;
        this.sender = channel.sender();
        this.claim = sender.newClaim();
    }

    @Override
    protected Agent newConsumer()
    {
        final Receiver receiver = channel.receiver();
        final Message message = receiver.newMessage();
        return new Agent()
        {
            @Override
            public int doWork()
            {
                if (receiver.poll(message) != Status.OK)
                {
                    return 0;
                }
                final long stamp = message.getLong(0);
                final long sum = message.touch();
                final int length = message.length();
                receiver.release(message);
                consumed(stamp, sum, length);
                return 1;
            }

            @Override
            public String roleName()
            {
                return "transport-receiver";
            }
        };
    }

    @Override
    long produce(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            resetSpin();
            while (sender.tryClaim(messageBytes, claim) != Status.OK)
            {
                spin("transport back pressured");
            }
            produced++;
            claim.putLong(0, stamp(produced));
            sender.commit(claim);
        }
        return produced;
    }

    @Override
    int messageBytes()
    {
        return messageBytes;
    }

    @Override
    public void close()
    {
        super.close();
        channel.close();
        for (final Domain domain : new Domain[] {senderDomain, receiverDomain})
        {
            if (domain.isAlive())
            {
                kernel.destroyDomain(domain);
            }
        }
    }

    /**
     * @param messageBytes largest message.
     * @param maxCapacity  most messages in flight wanted.
     * @param budgetBytes  in-flight bytes per channel not to exceed (unless 2 messages already do).
     * @return a config with as many messages in flight as both limits allow, at least 2.
     */
    static ChannelConfig config(final int messageBytes, final int maxCapacity, final int budgetBytes)
    {
        return ChannelConfig.defaults().withMaxMessageLength(messageBytes)
            .withCapacity(TwoThreadRuns.capacity(messageBytes, maxCapacity, budgetBytes));
    }
}
