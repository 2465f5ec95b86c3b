package io.barge.drivers.pipeline;

/**
 * Layout of the header a pipeline's source writes at the start of every message; forwarders pass it on untouched
 * and the sink reads it. Little-endian, as every Barge layout.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Send Timestamp (System.nanoTime) [SOURCE]        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |              Sequence Number, from 0 [SOURCE]                 |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |              Payload (written by the source's writer) ...     |
 *  +---------------------------------------------------------------+
 * </pre>
 * The timestamp is taken right before the source commits, so the sink's one-way latency includes every queue the
 * message waited in along the path. Both ends run in one JVM, so {@code System.nanoTime} is one clock.
 */
public final class PipelineMessageDescriptor
{
    /** Offset of the send timestamp. */
    public static final int TIMESTAMP_OFFSET = 0;
    /** Offset of the sequence number. */
    public static final int SEQUENCE_OFFSET = 8;
    /** Header length: the smallest message a pipeline sends. */
    public static final int HEADER_LENGTH = 16;

    private PipelineMessageDescriptor()
    {
    }

    /**
     * @param messageLength a message size.
     * @throws IllegalArgumentException if it cannot hold the header.
     */
    public static void checkMessageLength(final int messageLength)
    {
        if (messageLength < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("size=" + messageLength + " is smaller than the pipeline header of " +
                HEADER_LENGTH + " bytes (timestamp and sequence)");
        }
    }
}
