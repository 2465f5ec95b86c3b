package io.barge.bench.core;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * The reference: Agrona's {@link OneToOneRingBuffer}, 56-byte messages written with {@code write} (a copy of the
 * payload, as UMP's {@code offer} does) and read with {@code read}. A record is 8 bytes of header plus the payload:
 * 64 bytes, one cache line, like a UMP slot.
 */
public final class AgronaLink extends CheckedLink implements MessageHandler
{
    private static final int MSG_TYPE = 1;
    private static final int ALIGNMENT = 128;

    private final ByteBuffer memory;
    private final OneToOneRingBuffer ring;

    /**
     * @param messages ring capacity in 64-byte records, a power of two.
     */
    public AgronaLink(final int messages)
    {
        // Aligned by hand: Agrona's allocateDirectAligned returns a slice, which BufferUtil.free cannot free.
        final int length = messages * 64 + RingBufferDescriptor.TRAILER_LENGTH;
        memory = ByteBuffer.allocateDirect(length + ALIGNMENT);
        final int skip = (int)((ALIGNMENT - (BufferUtil.address(memory) & (ALIGNMENT - 1))) & (ALIGNMENT - 1));
        ring = new OneToOneRingBuffer(new UnsafeBuffer(memory, skip, length));
    }

    @Override
    public String name()
    {
        return "agrona";
    }

    @Override
    public boolean offer(final long word)
    {
        payload.putLong(0, word);
        return ring.write(MSG_TYPE, payload, 0, PAYLOAD_LENGTH);
    }

    @Override
    public int drain(final int limit)
    {
        return ring.read(this, limit);
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        check.onWord(buffer.getLong(index));
    }

    @Override
    public void close()
    {
        BufferUtil.free(memory);
        freeStaging();
    }
}
