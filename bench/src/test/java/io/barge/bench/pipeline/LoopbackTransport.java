package io.barge.bench.pipeline;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * See {@link LoopbackTransportProvider}.
 */
final class LoopbackTransport implements Transport
{
    private final Kernel kernel;
    private final TransportOptions options;
    private final List<LoopbackChannel> channels = new ArrayList<>();

    LoopbackTransport(final Kernel kernel, final TransportOptions options)
    {
        this.kernel = kernel;
        this.options = options;
    }

    @Override
    public String name()
    {
        return LoopbackTransportProvider.NAME;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    @Override
    public synchronized Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        final LoopbackChannel channel = new LoopbackChannel(kernel, sender, receiver, config,
            options.getBoolean("zero"), options.getInt("failAt"), options.getBoolean("leak"),
            options.getInt("stallAt"));
        channels.add(channel);
        return channel;
    }

    @Override
    public synchronized void close()
    {
        channels.forEach(LoopbackChannel::close);
        channels.clear();
    }
}
