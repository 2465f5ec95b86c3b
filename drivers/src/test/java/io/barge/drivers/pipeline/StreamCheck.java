package io.barge.drivers.pipeline;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;

/**
 * The test's own writer and checker: the source writes a payload that is a fixed function of the sequence number
 * (a SplittableRandom seeded by it), and the sink recomputes it and compares every long, so a lost, duplicated,
 * reordered or corrupted message is seen. Plain fields: the run joins the sink's thread before the test reads them.
 */
final class StreamCheck implements MessageWriter, MessageHandler
{
    private final long seed;
    private long received;
    private long outOfOrder;
    private long corrupted;
    private volatile long written;

    StreamCheck(final long seed)
    {
        this.seed = seed;
    }

    static long expectedLong(final long seed, final long sequence, final int index)
    {
        return new java.util.SplittableRandom(seed * 31 + sequence).split().nextLong() ^ index;
    }

    @Override
    public void write(final Claim claim, final long sequence)
    {
        for (int i = PipelineMessageDescriptor.HEADER_LENGTH; i + 8 <= claim.length(); i += 8)
        {
            claim.putLong(i, expectedLong(seed, sequence, i));
        }
        written = sequence + 1;
    }

    @Override
    public void onMessage(final Message message)
    {
        final long sequence = message.getLong(PipelineMessageDescriptor.SEQUENCE_OFFSET);
        if (sequence != received)
        {
            outOfOrder++;
        }
        if (!payloadMatches(message, sequence))
        {
            corrupted++;
        }
        received++;
    }

    boolean payloadMatches(final Message message, final long sequence)
    {
        for (int i = PipelineMessageDescriptor.HEADER_LENGTH; i + 8 <= message.length(); i += 8)
        {
            if (message.getLong(i) != expectedLong(seed, sequence, i))
            {
                return false;
            }
        }
        return true;
    }

    long received()
    {
        return received;
    }

    long outOfOrder()
    {
        return outOfOrder;
    }

    long corrupted()
    {
        return corrupted;
    }

    long written()
    {
        return written;
    }
}
