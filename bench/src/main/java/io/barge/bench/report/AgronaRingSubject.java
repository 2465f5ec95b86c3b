package io.barge.bench.report;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Agrona's {@link OneToOneRingBuffer} moving 56-byte messages from the calling thread to a consumer thread that
 * reads each one: the reference the UMP notification core is held against.
 */
final class AgronaRingSubject extends TwoThreadSubject
{
    /** Message size of the reference. */
    static final int MESSAGE_BYTES = 56;
    /**
     * 64 records of 64 bytes (56 of payload plus Agrona's 8-byte header): the same 64 messages in flight as the
     * transports' two-thread channels, so neither side gets a deeper queue to hide scheduling gaps behind.
     */
    private static final int CAPACITY = 64 * 64;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
        BufferUtil.allocateDirectAligned(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH, 128)));
    private final UnsafeBuffer source = new UnsafeBuffer(new byte[MESSAGE_BYTES]);

    @Override
    protected Agent newConsumer()
    {
        return new Agent()
        {
            private long sum;
            private final MessageHandler handler = this::onMessage;

            private void onMessage(final int typeId, final MutableDirectBuffer buffer, final int index,
                final int length)
            {
                sum += buffer.getLong(index);
            }

            @Override
            public int doWork()
            {
                final int read = ring.read(handler);
                if (read > 0)
                {
                    consumed.lazySet(consumed.get() + read);
                }
                return read;
            }

            @Override
            public void onClose()
            {
                Blackhole.consume(sum);
            }

            @Override
            public String roleName()
            {
                return "agrona-ring-consumer";
            }
        };
    }

    @Override
    long produce(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            source.putLong(0, produced);
            resetSpin();
            while (!ring.write(1, source, 0, MESSAGE_BYTES))
            {
                spin("agrona ring buffer full");
            }
            produced++;
        }
        return produced;
    }

    @Override
    int messageBytes()
    {
        return MESSAGE_BYTES;
    }
}
