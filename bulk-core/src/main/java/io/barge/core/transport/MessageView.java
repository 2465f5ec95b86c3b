package io.barge.core.transport;

import java.nio.ReadOnlyBufferException;

/**
 * The read-only view of one piece of a {@link Message} ({@link Message#buffer(int)}). It is an Agrona
 * {@code MutableDirectBuffer} underneath, but every put and fill is refused with {@link ReadOnlyBufferException}
 * before a byte moves: every inherited write goes through {@link #ensureCapacity}, and the writes overridden in the
 * read side's base are none.
 */
final class MessageView extends ReadableView
{
    @Override
    protected void ensureCapacity(final int index, final int length)
    {
        checkValid();
        throw new ReadOnlyBufferException();
    }
}
