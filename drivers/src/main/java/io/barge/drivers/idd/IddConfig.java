package io.barge.drivers.idd;

import io.barge.drivers.nic.Link;
import io.barge.drivers.nic.NicConfig;
import io.barge.drivers.nic.NicDriver;

/**
 * Settings of a {@link DriverDomain}: the path and its grant mode, the MTU, ring and channel sizes, the link rate, the
 * devices' coalescing and how the drivers find completions. Fluent; checked when set.
 * <p>
 * The MTU is the largest frame a guest may send. On rbufs and fbufs it is each channel's {@code maxMessageLength},
 * so the transport refuses a longer claim; on xen the TX channel carries up to a page, so a longer request reaches
 * the driver domain, which answers it with an error. The simulated NIC takes one buffer per descriptor (no
 * scatter-gather), so no buffer may cross a page: the default MTU, 2048, makes an rbufs slot (the MTU rounded to a
 * cache line) divide the page; a guest buffer that crosses a page anyway is refused as a bad request.
 */
public final class IddConfig
{
    private IddPath path = IddPath.XEN;
    private String grants = "map";
    private int mtu = 2048;
    private int ringSize = 256;
    private int capacity = 256;
    private int budget = 64;
    private long linkBitsPerSecond = Link.UNLIMITED;
    private int linkCapacity = 1 << 20;
    private NicDriver.Mode driverMode = NicDriver.Mode.POLLING;
    private int irqCount = 32;
    private long irqNanos = 50_000;
    private boolean persistentPins = true;

    /**
     * @param path the transport family.
     * @return this.
     */
    public IddConfig path(final IddPath path)
    {
        this.path = java.util.Objects.requireNonNull(path, "path");
        return this;
    }

    /**
     * @param grants {@code map}, {@code copy} or {@code persistent} (xen only; checked by the transport).
     * @return this.
     */
    public IddConfig grants(final String grants)
    {
        this.grants = java.util.Objects.requireNonNull(grants, "grants");
        return this;
    }

    /**
     * @param mtu largest frame, in [64, 4096 - 64].
     * @return this.
     */
    public IddConfig mtu(final int mtu)
    {
        if (mtu < 64 || mtu > 4096 - 64)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " outside [64, 4032]");
        }
        this.mtu = mtu;
        return this;
    }

    /**
     * @param ringSize descriptors per NIC ring, a power of two in [2, 4096].
     * @param capacity messages per guest channel, a power of two in [2, 4096].
     * @return this.
     */
    public IddConfig sizes(final int ringSize, final int capacity)
    {
        io.barge.drivers.nic.NicDescriptor.checkRingSize(ringSize, 4096);
        io.barge.drivers.nic.NicDescriptor.checkRingSize(capacity, 4096);
        this.ringSize = ringSize;
        this.capacity = capacity;
        return this;
    }

    /**
     * @param budget most requests, completions or refills per event, at least 1.
     * @return this.
     */
    public IddConfig budget(final int budget)
    {
        if (budget < 1)
        {
            throw new IllegalArgumentException("budget=" + budget + " is below 1");
        }
        this.budget = budget;
        return this;
    }

    /**
     * @param bitsPerSecond each link direction's rate, or {@link Link#UNLIMITED}.
     * @return this.
     */
    public IddConfig linkRate(final long bitsPerSecond)
    {
        if (bitsPerSecond < 0)
        {
            throw new IllegalArgumentException("link rate=" + bitsPerSecond + " is negative");
        }
        this.linkBitsPerSecond = bitsPerSecond;
        return this;
    }

    /**
     * @param mode    interrupt driven or NAPI polling drivers.
     * @param count   completions per interrupt (coalescing), at least 1.
     * @param nanos   age that raises the line anyway.
     * @return this.
     */
    public IddConfig interrupts(final NicDriver.Mode mode, final int count, final long nanos)
    {
        new NicConfig().coalescing(count, nanos); // checks
        this.driverMode = java.util.Objects.requireNonNull(mode, "mode");
        this.irqCount = count;
        this.irqNanos = nanos;
        return this;
    }

    /**
     * Checks that no buffer of this path crosses a page (the NIC takes one buffer per descriptor): on rbufs a data
     * area slot is the MTU rounded up to a cache line, so that size must divide the page.
     *
     * @param pageSize the machine's frame size.
     * @throws IllegalArgumentException if a buffer would cross a page.
     */
    public void checkFits(final int pageSize)
    {
        final int slot = (mtu + 63) & ~63;
        if (path == IddPath.RBUFS && pageSize % slot != 0)
        {
            throw new IllegalArgumentException("mtu=" + mtu + ": rbufs slots of " + slot + " B would cross " +
                pageSize + " B pages and the NIC takes one buffer per descriptor; choose an MTU whose slot " +
                "divides the page, e.g. 2048");
        }
        if (mtu > pageSize)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " exceeds the page of " + pageSize + " B");
        }
    }

    /**
     * @param persistent keep a frame pinned for DMA from its first transfer until the port closes, where the
     *                   channel's buffers stay mapped for its life (rbufs; xen copy and persistent), as
     *                   persistent grants do; false pins and unpins per transfer everywhere.
     * @return this.
     */
    public IddConfig persistentPins(final boolean persistent)
    {
        this.persistentPins = persistent;
        return this;
    }

    /** @return whether pins are kept where the path allows. */
    public boolean persistentPins()
    {
        return persistentPins;
    }

    /** @return the path. */
    public IddPath path()
    {
        return path;
    }

    /** @return the xen grant mode. */
    public String grants()
    {
        return grants;
    }

    /** @return the MTU. */
    public int mtu()
    {
        return mtu;
    }

    /** @return descriptors per ring. */
    public int ringSize()
    {
        return ringSize;
    }

    /** @return messages per channel. */
    public int capacity()
    {
        return capacity;
    }

    /** @return work per event. */
    public int budget()
    {
        return budget;
    }

    /** @return link rate in bits/s. */
    public long linkBitsPerSecond()
    {
        return linkBitsPerSecond;
    }

    /** @return bytes in flight per link direction. */
    int linkCapacity()
    {
        return linkCapacity;
    }

    /** @return the drivers' mode. */
    public NicDriver.Mode driverMode()
    {
        return driverMode;
    }

    /** @return a device configuration with this coalescing. */
    NicConfig nicConfig()
    {
        return new NicConfig().coalescing(irqCount, irqNanos).budget(budget);
    }

    @Override
    public String toString()
    {
        return "IddConfig{path=" + path.transport() + (path == IddPath.XEN ? ", grants=" + grants : "") + ", mtu=" +
            mtu + ", ring=" + ringSize + ", capacity=" + capacity + ", budget=" + budget + ", link=" +
            (linkBitsPerSecond == Link.UNLIMITED ? "unlimited" : linkBitsPerSecond + " bit/s") + ", " + driverMode +
            (persistentPins ? ", persistent pins" : ", pins per transfer") + "}";
    }
}
