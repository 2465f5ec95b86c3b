package io.barge.core;

import org.agrona.BufferUtil;

import java.nio.ByteBuffer;

/**
 * Off-heap memory aligned to a boundary that can be freed at once: Agrona's {@code allocateDirectAligned} returns a
 * slice, which cannot be freed explicitly, so this keeps the original buffer for {@link #free()}.
 */
final class AlignedMemory
{
    private final ByteBuffer raw;
    private final ByteBuffer aligned;

    AlignedMemory(final int length, final int alignment)
    {
        raw = ByteBuffer.allocateDirect(length + alignment);
        final long address = BufferUtil.address(raw);
        final int skip = (int)((alignment - (address & (alignment - 1))) & (alignment - 1));
        aligned = raw.duplicate().position(skip).limit(skip + length).slice();
    }

    ByteBuffer buffer()
    {
        return aligned;
    }

    void free()
    {
        BufferUtil.free(raw);
    }
}
