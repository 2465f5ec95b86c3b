package io.barge.bench.core;

import org.agrona.DirectBuffer;

/**
 * What a two-thread reference's consumer does with each message it takes: the same call for the cross-core limit
 * and Aeron IPC, so that the report's and the benchmarks' consumers do one piece of work whatever carried the bytes.
 */
@FunctionalInterface
public interface PayloadHandler
{
    /**
     * @param buffer the message's memory, valid only during the call.
     * @param offset its first byte.
     * @param length its length.
     */
    void onPayload(DirectBuffer buffer, int offset, int length);
}
