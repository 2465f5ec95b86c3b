package io.barge.core.transport;

import io.barge.core.Domain;

import java.util.Set;

/**
 * One configured bulk transport: opens channels between domains. Created by a {@link TransportProvider}.
 */
public interface Transport extends AutoCloseable
{
    /**
     * @return the provider's name, e.g. {@code copy} or {@code fbufs}.
     */
    String name();

    /**
     * @return the options this transport was created with.
     */
    TransportOptions options();

    /**
     * What this transport can do beyond the calls every transport has. A call that needs a capability not listed
     * here ({@link Receiver#respond}, {@link Sender#pollResponses} without {@link Capability#RESPONSES}) throws
     * {@link UnsupportedOperationException}.
     *
     * @return the capabilities, unmodifiable; empty by default.
     */
    default Set<Capability> capabilities()
    {
        return Set.of();
    }

    /**
     * Opens a channel. A transport whose buffers are set up along a path (fbufs) treats each channel as one hop.
     *
     * @param sender   originating domain.
     * @param receiver receiving domain.
     * @param config   sizes and notification choice.
     * @return the channel.
     */
    Channel open(Domain sender, Domain receiver, ChannelConfig config);

    /**
     * Opens a path of domains, one channel per hop {@code path[i] -> path[i + 1]}. Transports that allocate along a
     * whole I/O path (fbufs, rbufs in transmit-master mode) override this so that buffers are set up once for every
     * domain they will cross; this default opens each hop with {@link #open}. If a hop cannot be opened, the hops
     * opened before it are closed and nothing is left allocated.
     *
     * @param config sizes and notification choice, for every hop.
     * @param path   at least two distinct domains, source first.
     * @return the path: {@code path.length - 1} hops in path order; closing it closes them all.
     * @throws IllegalArgumentException if the domains break {@link ChannelPath#checkDomains}'s rule, or the config
     *                                  does not suit the transport.
     */
    default ChannelPath openPath(final ChannelConfig config, final Domain... path)
    {
        ChannelPath.checkDomains(path);
        final Channel[] hops = new Channel[path.length - 1];
        try
        {
            for (int i = 0; i < hops.length; i++)
            {
                hops[i] = open(path[i], path[i + 1], config);
            }
            return new ChannelPath(hops);
        }
        catch (final RuntimeException ex)
        {
            for (final Channel hop : hops)
            {
                if (hop != null)
                {
                    hop.close();
                }
            }
            throw ex;
        }
    }

    /**
     * Closes every channel still open and releases the transport's own memory.
     */
    @Override
    void close();
}
