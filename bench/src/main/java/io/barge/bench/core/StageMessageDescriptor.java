package io.barge.bench.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of a message that pipeline stages in separate processes pass along ({@code barge pipeline --attach}): a
 * header the source stamps, then a payload every byte of which is a function of the message's sequence and the
 * source's run, so that a sink can tell a whole message from a torn one (two messages' bytes) or a corrupt one
 * without keeping anything but the header.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                      Sequence (64)                   [SOURCE] |  0, 0, 1, 2, ... per run
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Run Id (64)                    [SOURCE] |  8, random per source process
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Message Length (32)                 [SOURCE] |  16, header included
 *  +---------------------------------------------------------------+
 *  |                   Header Check (32)                  [SOURCE] |  20, hash of the three fields above
 *  +---------------------------------------------------------------+
 *  |                  Payload word 0 (64)                 [SOURCE] |  24, base(sequence, run) + 0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Payload word k (64) ...             [SOURCE] |  24 + 8k, base + k
 *  +---------------------------------------------------------------+
 *  |        Tail bytes (length - 24) mod 8: byte j = base >>> 8j    |
 *  +---------------------------------------------------------------+
 * </pre>
 * Words are little-endian, as Agrona writes them. A forwarding stage copies the message unchanged.
 */
public final class StageMessageDescriptor
{
    /** Offset of the sequence. */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the run id. */
    public static final int RUN_ID_OFFSET = 8;
    /** Offset of the message length. */
    public static final int LENGTH_OFFSET = 16;
    /** Offset of the header check. */
    public static final int HEADER_CHECK_OFFSET = 20;
    /** Bytes of the header; the shortest message. */
    public static final int HEADER_LENGTH = 24;

    private StageMessageDescriptor()
    {
    }

    /**
     * @param length a message length.
     * @param max    the longest the channel takes.
     * @return null if a stage message can have it, else the broken rule.
     */
    public static String checkLength(final int length, final int max)
    {
        if (length < HEADER_LENGTH || length > max)
        {
            return "size=" + length + " must be in [" + HEADER_LENGTH + " (the stage message header), " + max + "]";
        }
        return null;
    }

    /**
     * Writes a whole message: header and payload. Allocates nothing.
     *
     * @param buffer   where.
     * @param sequence its sequence.
     * @param runId    the source's run.
     * @param length   its length, at least {@link #HEADER_LENGTH}, at most the buffer's capacity.
     */
    public static void write(final MutableDirectBuffer buffer, final long sequence, final long runId,
        final int length)
    {
        buffer.putLong(SEQUENCE_OFFSET, sequence);
        buffer.putLong(RUN_ID_OFFSET, runId);
        buffer.putInt(LENGTH_OFFSET, length);
        buffer.putInt(HEADER_CHECK_OFFSET, headerCheck(sequence, runId, length));
        final long base = payloadBase(sequence, runId);
        final int words = (length - HEADER_LENGTH) >>> 3;
        int offset = HEADER_LENGTH;
        for (int k = 0; k < words; k++, offset += 8)
        {
            buffer.putLong(offset, base + k);
        }
        for (int j = 0; offset < length; j++, offset++)
        {
            buffer.putByte(offset, (byte)(base >>> (8 * j)));
        }
    }

    /**
     * Checks a received message. Allocates nothing for a good one.
     *
     * @param buffer the message's buffer.
     * @param offset where it starts.
     * @param length its length as delivered.
     * @param every  whether every payload byte is checked (the sink's {@code --touch}); else the header and the
     *               first and last payload words only.
     * @return null if it is whole, else what is wrong, with values.
     */
    public static String check(final DirectBuffer buffer, final int offset, final int length, final boolean every)
    {
        if (length < HEADER_LENGTH)
        {
            return "length=" + length + " is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        // Each field is read once into a local, then checked: the ring is the sender's to write.
        final long sequence = buffer.getLong(offset + SEQUENCE_OFFSET);
        final long runId = buffer.getLong(offset + RUN_ID_OFFSET);
        final int stamped = buffer.getInt(offset + LENGTH_OFFSET);
        final int check = buffer.getInt(offset + HEADER_CHECK_OFFSET);
        if (check != headerCheck(sequence, runId, stamped))
        {
            return "header check=0x" + Integer.toHexString(check) + " does not match sequence=" + sequence +
                " run=" + Long.toHexString(runId) + " length=" + stamped;
        }
        if (stamped != length)
        {
            return "sequence " + sequence + ": stamped length=" + stamped + " but " + length + " bytes arrived";
        }
        final long base = payloadBase(sequence, runId);
        final int words = (length - HEADER_LENGTH) >>> 3;
        if (every)
        {
            int at = offset + HEADER_LENGTH;
            for (int k = 0; k < words; k++, at += 8)
            {
                if (buffer.getLong(at) != base + k)
                {
                    return badWord(sequence, k, buffer.getLong(at), base + k);
                }
            }
            for (int j = 0; at < offset + length; j++, at++)
            {
                if (buffer.getByte(at) != (byte)(base >>> (8 * j)))
                {
                    return "sequence " + sequence + ": tail byte " + j + "=" + buffer.getByte(at) + " expected " +
                        (byte)(base >>> (8 * j));
                }
            }
        }
        else if (words > 0)
        {
            final long first = buffer.getLong(offset + HEADER_LENGTH);
            final long last = buffer.getLong(offset + HEADER_LENGTH + 8 * (words - 1));
            if (first != base)
            {
                return badWord(sequence, 0, first, base);
            }
            if (last != base + words - 1)
            {
                return badWord(sequence, words - 1, last, base + words - 1);
            }
        }
        return null;
    }

    /**
     * @param buffer a message that passed {@link #check}.
     * @param offset where it starts.
     * @return its sequence.
     */
    public static long sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET);
    }

    /**
     * @param buffer a message that passed {@link #check}.
     * @param offset where it starts.
     * @return its run id.
     */
    public static long runId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + RUN_ID_OFFSET);
    }

    static int headerCheck(final long sequence, final long runId, final int length)
    {
        return (int)mix(sequence * 0x9E3779B97F4A7C15L ^ mix(runId) ^ ((long)length << 32));
    }

    static long payloadBase(final long sequence, final long runId)
    {
        return mix(sequence ^ mix(runId + 0x632BE59BD9B4E019L));
    }

    /** MurmurHash3's 64-bit finaliser: every input bit moves every output bit. */
    private static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }

    private static String badWord(final long sequence, final int word, final long found, final long expected)
    {
        return "sequence " + sequence + ": payload word " + word + "=0x" + Long.toHexString(found) + " expected 0x" +
            Long.toHexString(expected) + " (torn or corrupt)";
    }
}
