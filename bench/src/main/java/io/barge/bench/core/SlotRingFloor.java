package io.barge.bench.core;

import io.barge.core.notify.UmpDescriptor;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/** Padding before a floor ring end's fields. */
abstract class SlotRingFloorLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** One end's position and its cached or published view of the other's. */
abstract class SlotRingFloorFields extends SlotRingFloorLhsPad
{
    long position;
    long otherPosition;
}

/** One end's fields, alone on their lines. */
final class SlotRingFloorEnd extends SlotRingFloorFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;
}

/**
 * The floor under UMP on two cores: UMP's ring layout and publish rule (64-byte slots, 56 bytes of payload copied
 * in as UMP copies it, {@link UmpDescriptor#putPayload}; a control word with epoch and sequence written last with
 * release, read with acquire; an ack word released every quarter ring and read only when the cached copy says full)
 * and nothing else: no channel state, thread record, validation beyond the sequence, counters or domains.
 * {@code ./barge ump-vs-agrona --against floor} puts UMP beside it; what UMP loses to it is the cost of its checks,
 * and what the floor itself takes is the cache-line handoff between the two cores that any ring of one line per
 * message pays.
 */
public final class SlotRingFloor extends CheckedLink
{
    private static final int SLOT_SHIFT = 6;
    private static final int CONTROL_OFFSET = 56;
    private static final int ACK_OFFSET = 128;
    private static final int ACK_AREA = 256;
    private static final int ALIGNMENT = 4096;
    private static final long EPOCH_BIT = 1L << 63;
    private static final long SEQUENCE_MASK = 0xFFFF_FFFFL;
    private static final long TYPE_AND_LENGTH = (1L << 56) | ((long)PAYLOAD_LENGTH << 48);

    private final ByteBuffer memory;
    private final UnsafeBuffer ring;
    private final UnsafeBuffer ack;
    private final SlotRingFloorEnd producer = new SlotRingFloorEnd();
    private final SlotRingFloorEnd consumer = new SlotRingFloorEnd();
    private final int slots;
    private final int mask;
    private final int slotShift;
    private final int ackInterval;

    /**
     * @param messages ring slots, a power of two.
     */
    public SlotRingFloor(final int messages)
    {
        if (messages < 2 || Integer.bitCount(messages) != 1)
        {
            throw new IllegalArgumentException("messages=" + messages + " must be a power of two >= 2");
        }
        slots = messages;
        mask = messages - 1;
        slotShift = Integer.numberOfTrailingZeros(messages);
        ackInterval = Math.max(1, messages / 4);
        final int ringLength = messages << SLOT_SHIFT;
        // The ring and the ack word on their own pages, as UMP's are in frames of their own.
        memory = ByteBuffer.allocateDirect(ALIGNMENT + ringLength + ALIGNMENT);
        final int skip = (int)((ALIGNMENT - (BufferUtil.address(memory) & (ALIGNMENT - 1))) & (ALIGNMENT - 1));
        ring = new UnsafeBuffer(memory, skip, ringLength);
        ack = new UnsafeBuffer(memory, skip + ringLength, ACK_AREA);
    }

    @Override
    public String name()
    {
        return "floor";
    }

    @Override
    public boolean offer(final long word)
    {
        payload.putLong(0, word);
        final SlotRingFloorEnd p = producer;
        final long position = p.position;
        if (position - p.otherPosition >= slots)
        {
            // Acquire: the consumer released its ack after reading those slots.
            p.otherPosition = ack.getLongAcquire(ACK_OFFSET);
            if (position - p.otherPosition >= slots)
            {
                return false;
            }
        }
        final int at = ((int)position & mask) << SLOT_SHIFT;
        UmpDescriptor.putPayload(ring, at, payload, 0, PAYLOAD_LENGTH);
        // Release: a consumer that sees this control word sees the payload.
        ring.putLongRelease(at + CONTROL_OFFSET, epochFor(position) | TYPE_AND_LENGTH | (position & SEQUENCE_MASK));
        p.position = position + 1;
        return true;
    }

    @Override
    public int drain(final int limit)
    {
        final SlotRingFloorEnd c = consumer;
        long position = c.position;
        int n = 0;
        while (n < limit)
        {
            final int at = ((int)position & mask) << SLOT_SHIFT;
            // Acquire: seeing this lap's control word means seeing its payload.
            final long control = ring.getLongAcquire(at + CONTROL_OFFSET);
            if ((control & (EPOCH_BIT | SEQUENCE_MASK)) != (epochFor(position) | (position & SEQUENCE_MASK)))
            {
                break;
            }
            position++;
            n++;
            check.onWord(ring.getLong(at));
            if (position - c.otherPosition >= ackInterval)
            {
                // Release: the producer may overwrite the slots read before this.
                ack.putLongRelease(ACK_OFFSET, position);
                c.otherPosition = position;
            }
        }
        c.position = position;
        return n;
    }

    private long epochFor(final long position)
    {
        return ((position >>> slotShift) & 1L) == 0 ? EPOCH_BIT : 0L;
    }

    @Override
    public void close()
    {
        BufferUtil.free(memory);
        freeStaging();
    }
}
