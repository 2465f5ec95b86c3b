package io.barge.bench.report;

import io.barge.bench.core.CrossCoreLimit;
import org.agrona.concurrent.Agent;

/**
 * The cross-core limit ({@link CrossCoreLimit}) as a two-thread subject: a pool of as many buffers of the row's
 * size as the transports' channels hold messages, the calling thread writing each message's stamp word and handing
 * the buffer's index over Agrona's ring, the consumer touching every byte ({@link TwoThreadSubject#touch}) and
 * handing the buffer back. What any zero-copy transport could at best do between these two threads with this
 * working set, at the same size and placement.
 */
final class CrossCoreLimitSubject extends TwoThreadSubject
{
    /** The reference's name in the report. */
    static final String NAME = "cross-core-limit";
    private static final int POLL_LIMIT = 64;

    private final CrossCoreLimit limit;

    /**
     * @param messageBytes message size, at least 8.
     * @param capacity     buffers in the pool (the transports' channel capacity at this size), a power of two.
     */
    CrossCoreLimitSubject(final int messageBytes, final int capacity)
    {
        this.limit = new CrossCoreLimit(messageBytes, capacity);
    }

    @Override
    protected Agent newConsumer()
    {
        return new Agent()
        {
            @Override
            public int doWork()
            {
                return limit.poll(touching, POLL_LIMIT);
            }

            @Override
            public String roleName()
            {
                return "cross-core-limit-consumer";
            }
        };
    }

    @Override
    long produce(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            resetSpin();
            while (!limit.tryHandOver(stamp(produced + 1)))
            {
                spin("cross-core limit: every buffer in flight");
            }
            produced++;
        }
        return produced;
    }

    @Override
    int messageBytes()
    {
        return limit.messageBytes();
    }
}
