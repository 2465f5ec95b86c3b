package io.barge.core.copy;

import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The copy baseline transport: see {@link CopyChannel}.
 */
final class CopyTransport implements Transport, DomainListener
{
    private final Kernel kernel;
    private final TransportOptions options;
    private final List<CopyChannel> channels = new ArrayList<>();

    CopyTransport(final Kernel kernel, final TransportOptions options)
    {
        this.kernel = kernel;
        this.options = options;
        kernel.addDomainListener(this);
    }

    @Override
    public String name()
    {
        return CopyTransportProvider.NAME;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    @Override
    public Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        if (sender == receiver)
        {
            throw new IllegalArgumentException("sender and receiver must be different domains: " + sender);
        }
        if (sender.kernel() != kernel || receiver.kernel() != kernel)
        {
            throw new IllegalArgumentException("both domains must belong to this transport's kernel");
        }
        sender.checkAlive();
        receiver.checkAlive();
        final CopyChannel channel = new CopyChannel(this, sender, receiver, config);
        synchronized (channels)
        {
            channels.add(channel);
        }
        return channel;
    }

    void closed(final CopyChannel channel)
    {
        synchronized (channels)
        {
            channels.remove(channel);
        }
    }

    @Override
    public void onDestroy(final Domain domain)
    {
        for (final CopyChannel channel : snapshot())
        {
            if (channel.involves(domain))
            {
                channel.close();
            }
        }
    }

    private List<CopyChannel> snapshot()
    {
        synchronized (channels)
        {
            return new ArrayList<>(channels);
        }
    }

    @Override
    public void close()
    {
        for (final CopyChannel channel : snapshot())
        {
            channel.close();
        }
        kernel.removeDomainListener(this);
    }
}
