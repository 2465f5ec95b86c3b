package io.barge.bench.report;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Agrona's {@link OneToOneRingBuffer} moving messages of a transport row's size from the calling thread to a
 * consumer thread, doing what the transport's two ends do: the producer claims a record, writes the stamp word and
 * commits it (zero copy, as a transport's claim); the consumer touches every byte with the shared routine and
 * records the stamped latencies ({@link TwoThreadSubject#touch}). The reference for small messages: at
 * {@link TwoThreadRows#AGRONA_MAX_BYTES} a message is no bigger than a zero-copy transport's descriptor, so the ring
 * carries as many bytes per message as the transports' notification path does.
 */
final class AgronaRingSubject extends TwoThreadSubject
{
    /** The reference's name in the report. */
    static final String NAME = "agrona-one-to-one-ring-buffer";

    private final int messageBytes;
    private final OneToOneRingBuffer ring;

    /**
     * @param messageBytes message size, at least 8.
     * @param inFlight     messages the transport's channel holds in flight: the ring holds about as many records
     *                     (its capacity rounded down to a power of two), so neither side hides scheduling gaps
     *                     behind a deeper queue.
     */
    AgronaRingSubject(final int messageBytes, final int inFlight)
    {
        this.messageBytes = messageBytes;
        final int record = (RecordDescriptor.HEADER_LENGTH + messageBytes + RecordDescriptor.ALIGNMENT - 1) &
            -RecordDescriptor.ALIGNMENT;
        final int capacity = Math.max(Integer.highestOneBit(record * inFlight), Integer.highestOneBit(record) << 4);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(capacity + RingBufferDescriptor.TRAILER_LENGTH, 128)));
    }

    @Override
    protected Agent newConsumer()
    {
        return new Agent()
        {
            private final MessageHandler handler = this::onMessage;

            private void onMessage(final int typeId, final MutableDirectBuffer buffer, final int index,
                final int length)
            {
                touch(buffer, index, length);
            }

            @Override
            public int doWork()
            {
                return ring.read(handler);
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
            resetSpin();
            int index;
            while ((index = ring.tryClaim(1, messageBytes)) < 0)
            {
                spin("agrona ring buffer full");
            }
            produced++;
            ring.buffer().putLong(index, stamp(produced));
            ring.commit(index);
        }
        return produced;
    }

    @Override
    int messageBytes()
    {
        return messageBytes;
    }
}
