package io.barge.bench.core;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * What every {@link SpscLink} of the comparisons shares, so that each does the same work per message outside its
 * channel: the producer's 64-byte staging buffer ({@link ConsumerCheck#staging}) and the consumer's sequence check
 * ({@link ConsumerCheck}), each on cache lines of its own.
 */
abstract class CheckedLink implements SpscLink
{
    private final ByteBuffer stagingMemory = ByteBuffer.allocateDirect(ConsumerCheck.stagingLength());
    /** Producer thread: the payload each message copies, its first word set per message. */
    final UnsafeBuffer payload = ConsumerCheck.staging(stagingMemory);
    /** Consumer thread: checks each message's first word. */
    final ConsumerCheck check = new ConsumerCheck();

    @Override
    public final long lastWord()
    {
        return check.last;
    }

    @Override
    public final long sequenceErrors()
    {
        return check.errors;
    }

    @Override
    public final void expect(final long word)
    {
        check.expect(word);
    }

    /** Frees the staging buffer; a subclass's {@link #close()} calls it after freeing its own memory. */
    final void freeStaging()
    {
        BufferUtil.free(stagingMemory);
    }
}
