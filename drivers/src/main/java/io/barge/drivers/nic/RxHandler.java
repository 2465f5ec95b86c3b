package io.barge.drivers.nic;

import org.agrona.DirectBuffer;

/**
 * What a {@link NicDriver} does with each frame received: the bytes are valid only during the call (the buffer is
 * posted again right after).
 */
@FunctionalInterface
public interface RxHandler
{
    /**
     * @param buffer the RX buffer, through the driver domain's mapping.
     * @param offset first payload byte.
     * @param length payload bytes.
     */
    void onFrame(DirectBuffer buffer, int offset, int length);
}
