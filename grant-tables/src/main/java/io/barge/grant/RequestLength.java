package io.barge.grant;

import org.agrona.DirectBuffer;

/**
 * How many bytes of its ring slot a request fills, read from the private copy of its header: a back end copies a
 * short request's own bytes, not the whole slot ({@link BackRing#copyNextRequest(org.agrona.MutableDirectBuffer, int,
 * int, RequestLength)}). Each shared byte is still read once.
 */
@FunctionalInterface
public interface RequestLength
{
    /**
     * @param copy  private memory holding the request's header as copied from the slot.
     * @param index where the copy starts.
     * @return bytes of the slot the request fills, header included; the ring clamps it to the slot.
     */
    int of(DirectBuffer copy, int index);
}
