package io.barge.bench.report;

import io.barge.bench.core.CrossCoreLimit;

/**
 * The cross-core limit ({@link CrossCoreLimit}) as a two-thread subject: a pool of as many buffers of the row's
 * size as the transports' channels hold messages, the calling thread writing each message's stamp word and handing
 * the buffer's index over Agrona's ring, the consumer touching every byte ({@link TwoThreadSubject#touch}) and
 * handing the index back. What any zero-copy transport could at best do between these two threads with this
 * working set, at the same size and placement.
 */
final class CrossCoreLimitSubject extends ReferenceSubject
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
        super(NAME);
        this.limit = new CrossCoreLimit(messageBytes, capacity);
    }

    @Override
    boolean offer(final long firstWord)
    {
        return limit.tryHandOver(firstWord);
    }

    @Override
    int poll()
    {
        return limit.poll(touching, POLL_LIMIT);
    }

    @Override
    int messageBytes()
    {
        return limit.messageBytes();
    }
}
