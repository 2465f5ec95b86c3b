package io.barge.drivers.nic;

import org.agrona.concurrent.NanoClock;

/**
 * A cable of two {@link Link}s, one per direction, with the same MTU and rate, and its two {@link Port}s: plug one
 * NIC into {@link #a()} and another into {@link #b()} (back to back), or drive a port's links with a
 * {@link TrafficGenerator} and a {@link TrafficSink}.
 */
public final class Wire
{
    private final Link ab;
    private final Link ba;
    private final Port a;
    private final Port b;

    /**
     * @param mtu           largest payload.
     * @param bitsPerSecond rate of each direction, or {@link Link#UNLIMITED}.
     * @param burstBytes    token bucket depth of each direction.
     * @param capacity      bytes in flight per direction, a power of two.
     * @param clock         time for the token buckets.
     */
    public Wire(final int mtu, final long bitsPerSecond, final int burstBytes, final int capacity,
        final NanoClock clock)
    {
        this.ab = new Link("a->b", mtu, bitsPerSecond, burstBytes, capacity, clock);
        this.ba = new Link("b->a", mtu, bitsPerSecond, burstBytes, capacity, clock);
        this.a = new Port(ab, ba);
        this.b = new Port(ba, ab);
    }

    /**
     * @return end a: transmits on a->b, receives from b->a.
     */
    public Port a()
    {
        return a;
    }

    /**
     * @return end b: transmits on b->a, receives from a->b.
     */
    public Port b()
    {
        return b;
    }

    /**
     * Where a device plugs in: the link it transmits on and the link it receives from.
     *
     * @param tx the outgoing direction.
     * @param rx the incoming direction.
     */
    public record Port(Link tx, Link rx)
    {
        /**
         * @return the smaller MTU of the two directions.
         */
        public int mtu()
        {
            return Math.min(tx.mtu(), rx.mtu());
        }
    }
}
