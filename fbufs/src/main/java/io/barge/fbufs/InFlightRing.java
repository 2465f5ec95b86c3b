package io.barge.fbufs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before the producer's fields (JCTools style). */
abstract class InFlightRingLhsPad
{
    long p000, p001, p002, p003, p004, p005, p006, p007;
    long p010, p011, p012, p013, p014, p015, p016, p017;
}

/** The producer's fields: written by the sending thread only. */
abstract class InFlightRingProducerFields extends InFlightRingLhsPad
{
    /** [PRODUCER] Records written; published with release for {@code size()}, read by the consumer only there. */
    long produced;
    /** [PRODUCER] The consumer's {@code consumed} as last read: re-read only when the ring looks full. */
    long consumedCache;
    /** [PRODUCER] The consumer's {@code released} as last read: re-read only when the credit looks spent. */
    long releasedCache;
}

/** Padding between the producer's and the consumer's fields. */
abstract class InFlightRingMidPad extends InFlightRingProducerFields
{
    long p100, p101, p102, p103, p104, p105, p106, p107;
    long p110, p111, p112, p113, p114, p115, p116, p117;
}

/** The consumer's fields: written by the receiving thread only (or by a teardown once the ends are quiet). */
abstract class InFlightRingConsumerFields extends InFlightRingMidPad
{
    /** [CONSUMER] Records taken; released after the reads of each. */
    long consumed;
    /** [CONSUMER] Messages released or forwarded on: the credit that bounds committed-and-not-released. */
    long released;
}

/** Padding after the consumer's fields. */
abstract class InFlightRingRhsPad extends InFlightRingConsumerFields
{
    long p200, p201, p202, p203, p204, p205, p206, p207;
    long p210, p211, p212, p213, p214, p215, p216, p217;
}

/**
 * The kernel's record of the fbufs in transit on one hop: for each sent message, the handles whose references
 * passed from the sender to the receiver. The sender's notification says where the data is (a root or a piece list,
 * untrusted); this trusted record says which references the receiver now holds, so a lying sender can make a
 * receiver read zeros but never make it drop a reference it does not hold.
 * <p>
 * Single producer (the sending domain's thread), single consumer (the receiving domain's thread). A record is a
 * header word, {@code (sequence + 1) << 5 | count}, then {@code count} handles:
 * <ol>
 *     <li>The producer checks {@code produced - consumedCache < capacity}, re-reading {@code consumed} with acquire
 *     only when it fails (the consumer's reads of the slot happened before its release of {@code consumed}).</li>
 *     <li>It writes the handles, then the header with release: a consumer that sees the header sees the handles.</li>
 *     <li>The consumer reads the header of the record at {@code consumed} with acquire; a sequence other than
 *     {@code consumed} means not written yet (the header of the lap before), so it never reads the producer's
 *     counter: in steady state only record lines cross, not counters.</li>
 *     <li>It copies the handles out, then releases {@code consumed + 1}.</li>
 * </ol>
 * The credit: the consumer releases {@code released + 1} per message given back; the producer reads it with acquire
 * only when its cached copy says the credit is spent. Counters each sit on lines of their own.
 */
final class InFlightRing extends InFlightRingRhsPad
{
    /** Most distinct fbuf references one message may carry. */
    static final int MAX_HANDLES = 16;
    private static final int RECORD = MAX_HANDLES + 1;
    private static final int COUNT_BITS = 5;
    private static final VarHandle RECORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PRODUCED;
    private static final VarHandle CONSUMED;
    private static final VarHandle RELEASED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCED = lookup.findVarHandle(InFlightRingProducerFields.class, "produced", long.class);
            CONSUMED = lookup.findVarHandle(InFlightRingConsumerFields.class, "consumed", long.class);
            RELEASED = lookup.findVarHandle(InFlightRingConsumerFields.class, "released", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int capacity;
    private final long[] records;

    InFlightRing(final int capacity)
    {
        this.capacity = capacity;
        // A line of padding each side: the first and last records share no line with other objects.
        this.records = new long[capacity * RECORD + 2 * RECORD];
    }

    int capacity()
    {
        return capacity;
    }

    /**
     * @return records written and not yet taken (exact for the producer; may lag for others).
     */
    int size()
    {
        return (int)((long)PRODUCED.getAcquire(this) - (long)CONSUMED.getAcquire(this));
    }

    /**
     * @return messages recorded and not yet released by the receiver (exact for the producer, may lag for others).
     */
    long unreleased()
    {
        return (long)PRODUCED.getAcquire(this) - (long)RELEASED.getAcquire(this);
    }

    /**
     * The producer's credit check; only the sending thread calls it.
     *
     * @param claimed messages claimed and not yet recorded.
     * @return whether one more message may be claimed: fewer than capacity claimed, recorded or held.
     */
    boolean hasCredit(final int claimed)
    {
        final long limit = capacity - claimed;
        if (produced - releasedCache < limit)
        {
            return true;
        }
        // Acquire: pairs with released(): the receiver is done with the messages it counts.
        final long released = (long)RELEASED.getAcquire(this);
        releasedCache = released;
        return produced - released < limit;
    }

    /**
     * The receiver released (or forwarded) one message it took: its credit goes back to the producer. Called by the
     * receiving thread only.
     */
    void released()
    {
        // Release: a producer that sees the credit back sees the receiver done with the message.
        RELEASED.setRelease(this, released + 1);
    }

    /**
     * @param handles the references passed with a message.
     * @param count   how many.
     * @return false if the ring is full.
     */
    boolean offer(final long[] handles, final int count)
    {
        if (count < 0 || count > MAX_HANDLES)
        {
            throw new IllegalArgumentException("a message carries at most " + MAX_HANDLES + " fbufs, not " + count);
        }
        final long position = produced;
        if (position - consumedCache >= capacity)
        {
            // Acquire: the consumer's reads of the slot happened before it released consumed.
            consumedCache = (long)CONSUMED.getAcquire(this);
            if (position - consumedCache >= capacity)
            {
                return false;
            }
        }
        final int at = recordOffset(position);
        System.arraycopy(handles, 0, records, at + 1, count);
        // Release: the consumer that sees this header sees the handles written above.
        RECORDS.setRelease(records, at, ((position + 1) << COUNT_BITS) | count);
        PRODUCED.setRelease(this, position + 1);
        return true;
    }

    /**
     * @param into receives the handles of the oldest record.
     * @return how many, or -1 if no record is waiting.
     */
    int poll(final long[] into)
    {
        final long position = consumed;
        final int at = recordOffset(position);
        // Acquire: pairs with offer's release of the header.
        final long header = (long)RECORDS.getAcquire(records, at);
        if (header >>> COUNT_BITS != position + 1)
        {
            return -1;
        }
        final int count = (int)header & ((1 << COUNT_BITS) - 1);
        System.arraycopy(records, at + 1, into, 0, count);
        // Release: the producer that sees the slot free may overwrite it only after these reads.
        CONSUMED.setRelease(this, position + 1);
        return count;
    }

    private int recordOffset(final long position)
    {
        return RECORD + (int)(position % capacity) * RECORD;
    }
}
