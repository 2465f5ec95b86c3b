package io.barge.grant.xen;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.List;
import java.util.Map;

/**
 * The {@code xen} transport: Xen device channels (seed 004; Fraser et al. 2004). The sender is the front end (a
 * guest), the receiver the back end (a driver domain); a channel is one shared descriptor ring, an event channel each
 * way and grants. Option {@code grants} picks how the back end reaches the message pages: {@code map},
 * {@code copy} or {@code persistent}.
 */
public final class XenTransportProvider implements TransportProvider
{
    /** Provider name. */
    public static final String NAME = "xen";
    /** Option: how message pages are granted. */
    public static final String GRANTS = "grants";

    private static final List<OptionSpec> OPTIONS = List.of(OptionSpec.ofEnum(GRANTS,
        List.of(GrantMode.MAP.optionValue(), GrantMode.COPY.optionValue(), GrantMode.PERSISTENT.optionValue()),
        GrantMode.MAP.optionValue(),
        "map: the back end maps each message's granted pages; copy: it grant-copies them into private memory; " +
        "persistent: a pool of pages granted and mapped once"));

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "Xen device channels: shared descriptor ring, event channels, grant map, grant copy or " +
            "persistent grants";
    }

    @Override
    public List<OptionSpec> options()
    {
        return OPTIONS;
    }

    @Override
    public List<Map<String, String>> modes()
    {
        return List.of(Map.of(GRANTS, GrantMode.MAP.optionValue()), Map.of(GRANTS, GrantMode.COPY.optionValue()),
            Map.of(GRANTS, GrantMode.PERSISTENT.optionValue()));
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        return new XenTransport(kernel, options, GrantMode.of(options.getString(GRANTS)));
    }
}
