package io.barge.core.notify;

import org.agrona.DirectBuffer;

/**
 * Receives notification messages.
 */
@FunctionalInterface
public interface NotifyHandler
{
    /**
     * @param type   message type.
     * @param buffer holds the payload; valid only during the call.
     * @param offset first payload byte.
     * @param length payload bytes.
     */
    void onNotify(int type, DirectBuffer buffer, int offset, int length);
}
