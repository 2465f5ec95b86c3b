package io.barge.bench.report;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.List;

/**
 * A test-only transport that cannot open a channel, to check that the report records the failure and goes on.
 */
final class BrokenTransport implements TransportProvider
{
    /** Its name. */
    static final String NAME = "report-test-broken";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "test only: every open fails";
    }

    @Override
    public List<OptionSpec> options()
    {
        return List.of();
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        return new Transport()
        {
            @Override
            public String name()
            {
                return NAME;
            }

            @Override
            public TransportOptions options()
            {
                return options;
            }

            @Override
            public Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
            {
                throw new IllegalStateException("broken on purpose");
            }

            @Override
            public void close()
            {
            }
        };
    }
}
