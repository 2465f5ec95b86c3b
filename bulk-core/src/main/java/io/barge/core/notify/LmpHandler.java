package io.barge.core.notify;

import org.agrona.DirectBuffer;

/**
 * Receives LMP messages with their capability slot.
 */
@FunctionalInterface
public interface LmpHandler
{
    /**
     * @param type       message type.
     * @param buffer     holds the payload; valid only during the call.
     * @param offset     first payload byte.
     * @param length     payload bytes.
     * @param capability the message's frame reference, if any; a flyweight valid only during the call.
     */
    void onMessage(int type, DirectBuffer buffer, int offset, int length, LmpCapability capability);
}
