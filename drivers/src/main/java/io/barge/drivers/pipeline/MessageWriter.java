package io.barge.drivers.pipeline;

import io.barge.core.transport.Claim;

/**
 * Fills the payload of each message a {@link Pipeline}'s source sends, after the pipeline header
 * ({@link PipelineMessageDescriptor#HEADER_LENGTH} bytes, which the source writes itself right before committing).
 */
@FunctionalInterface
public interface MessageWriter
{
    /** Writes no payload: only the header travels as written bytes. */
    MessageWriter HEADER_ONLY = (claim, sequence) ->
    {
    };

    /**
     * @param claim    the claimed buffer, {@code claim.length()} bytes; write from
     *                 {@link PipelineMessageDescriptor#HEADER_LENGTH} on.
     * @param sequence the message's sequence number, from 0.
     */
    void write(Claim claim, long sequence);
}
