package io.barge.drivers.idd;

/**
 * How a {@link DriverDomain} reaches its guests' buffers: which transport carries a guest's transmit requests to the
 * driver domain and its received frames back.
 */
public enum IddPath
{
    /**
     * Xen device channels ({@code xen} transport, grants {@code map}, {@code copy} or {@code persistent}): the guest
     * is the front end of its TX channel and grants its pages; the driver domain answers each request when its DMA
     * completes. RX runs as netfront's: the guest is the front end of its RX channel too ({@code granter=receiver}),
     * posting its own granted empty pages, which the driver domain fills.
     */
    XEN("xen"),
    /**
     * Rbufs: TX in transmit-master mode (the guest manages its data area, the driver domain reads it), RX in
     * receive-master mode (the guest posts empty areas, the driver domain claims them and the device fills them).
     */
    RBUFS("rbufs"),
    /**
     * fbufs: RX over an I/O path NIC driver to guest (buffers from the path's cached free list, the device DMAs into
     * them), TX guest to driver domain over fbufs too.
     */
    FBUFS("fbufs");

    private final String transport;

    IddPath(final String transport)
    {
        this.transport = transport;
    }

    /**
     * @return the transport's name.
     */
    public String transport()
    {
        return transport;
    }

    /**
     * @param name {@code xen}, {@code rbufs} or {@code fbufs}.
     * @return the path.
     * @throws IllegalArgumentException if there is no such path.
     */
    public static IddPath of(final String name)
    {
        for (final IddPath path : values())
        {
            if (path.transport.equals(name))
            {
                return path;
            }
        }
        throw new IllegalArgumentException("path=" + name + " is none of xen, rbufs, fbufs");
    }
}
