package io.barge.bench.core;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/** Padding before the consumer's fields. */
abstract class ConsumerCheckLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** The fields only the consuming thread writes, once per message. */
abstract class ConsumerCheckFields extends ConsumerCheckLhsPad
{
    long expected;
    long last;
    long errors;
}

/**
 * The sequence check every {@link SpscLink} runs on its consumer thread, the same for UMP and Agrona. Its fields are
 * written once per message, so they sit on cache lines of their own (padding on both sides, 128 bytes for the
 * adjacent-line prefetcher): kept in the link object beside the fields the producer reads per message, they would
 * move a line between the two cores for every message, on both links alike, and hide the channels' own difference.
 */
final class ConsumerCheck extends ConsumerCheckFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;

    private static final int LINE = 64;
    private static final int GUARD = 128;

    /**
     * A producer's 64-byte payload staging buffer, aligned to a cache line and with 128 bytes of its own memory on
     * each side, so that no other allocation shares its lines.
     *
     * @param memory direct memory of {@link #stagingLength()} bytes; free it with {@link BufferUtil#free}.
     * @return the staging buffer.
     */
    static UnsafeBuffer staging(final ByteBuffer memory)
    {
        final long address = BufferUtil.address(memory);
        final int skip = GUARD + (int)((LINE - (address & (LINE - 1))) & (LINE - 1));
        return new UnsafeBuffer(memory, skip, LINE);
    }

    /**
     * @return bytes of direct memory {@link #staging} needs.
     */
    static int stagingLength()
    {
        return GUARD + LINE + LINE + GUARD;
    }

    /**
     * Consumer thread: checks a message's first word against the expected one.
     *
     * @param word the first word of the message received.
     */
    void onWord(final long word)
    {
        if (word != expected)
        {
            errors++;
        }
        expected = word + 1;
        last = word;
    }

    /**
     * @param word the next word expected; clears the error count.
     */
    void expect(final long word)
    {
        expected = word;
        errors = 0;
    }
}
