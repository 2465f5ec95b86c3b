package io.barge.core.copy;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.List;

/**
 * Provides the {@code copy} transport: classic IPC through a kernel buffer, two counted copies per message.
 */
public final class CopyTransportProvider implements TransportProvider
{
    /** The transport's name. */
    public static final String NAME = "copy";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "classic IPC baseline: sender buffer -> kernel pipe -> receiver buffer, two copies per message";
    }

    @Override
    public List<OptionSpec> options()
    {
        return List.of();
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        return new CopyTransport(kernel, options);
    }
}
