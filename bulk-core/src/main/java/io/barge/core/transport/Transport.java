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
     * Opens one channel per hop of a path of domains, {@code path[i] -> path[i + 1]}. Transports that allocate
     * along a whole I/O path (fbufs) override this so buffers are set up once for every domain they will cross.
     *
     * @param path   at least two distinct domains, source first.
     * @param config sizes and notification choice, for every hop.
     * @return {@code path.length - 1} channels in path order.
     */
    default Channel[] openPath(final Domain[] path, final ChannelConfig config)
    {
        if (path.length < 2)
        {
            throw new IllegalArgumentException("a path needs at least 2 domains, got " + path.length);
        }
        final Channel[] hops = new Channel[path.length - 1];
        try
        {
            for (int i = 0; i < hops.length; i++)
            {
                hops[i] = open(path[i], path[i + 1], config);
            }
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
        return hops;
    }

    /**
     * Closes every channel still open and releases the transport's own memory.
     */
    @Override
    void close();
}
