package io.barge.bench.report;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.Agent;

/**
 * One transport channel between two domains, the sender on the calling thread and the receiver, which touches
 * every message, on a consumer thread. Every {@link #STAMP_EVERY}th message carries its send time, and the
 * receiver records the one-way latency (which includes the time the message queued behind others).
 */
final class TransportSubject extends TwoThreadSubject
{
    private final Kernel kernel;
    private final Domain senderDomain;
    private final Domain receiverDomain;
    private final Channel channel;
    private final Sender sender;
    private final Claim claim;
    private final int messageBytes;
    private final Histogram histogram = Counting.newHistogram();
    private volatile boolean recording;

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
            opened = transport.open(senderDomain, receiverDomain, TransportPath.config(messageBytes, 64, 1 << 20));
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

    /**
     * @param on whether the receiver records latencies.
     */
    void recording(final boolean on)
    {
        recording = on;
    }

    /**
     * @return latencies recorded so far (read after {@link #stop()}).
     */
    Histogram histogram()
    {
        return histogram;
    }

    @Override
    protected Agent newConsumer()
    {
        final Receiver receiver = channel.receiver();
        final Message message = receiver.newMessage();
        return new Agent()
        {
            private long sum;

            @Override
            public int doWork()
            {
                if (receiver.poll(message) != Status.OK)
                {
                    return 0;
                }
                final long stamp = message.getLong(0);
                sum += message.touch();
                receiver.release(message);
                if (stamp != 0 && recording)
                {
                    histogram.recordValue(Math.max(0, System.nanoTime() - stamp));
                }
                consumed.lazySet(consumed.get() + 1);
                return 1;
            }

            @Override
            public void onClose()
            {
                Blackhole.consume(sum);
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
            claim.putLong(0, produced % STAMP_EVERY == 0 ? System.nanoTime() : 0L);
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
}
