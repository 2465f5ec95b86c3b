package io.barge.rbufs;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code rbufs} transport: Rbufs channels (data area plus two IOrec control areas) in transmit-master
 * ({@code mode=tmm}) or receive-master ({@code mode=rmm}) mode.
 */
public final class RbufsTransportProvider implements TransportProvider
{
    /** Provider name. */
    public static final String NAME = "rbufs";
    /** Option: who is master. */
    public static final String MODE = "mode";

    private static final List<OptionSpec> OPTIONS = List.of(OptionSpec.ofEnum(MODE, List.of("tmm", "rmm"), "tmm",
        "tmm: the originator chooses where data goes and the receiver returns regions; " +
        "rmm: the receiver posts empty regions and the originator fills them"));

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "Rbufs: shared data area, IOrec control rings, transmit- or receive-master mode";
    }

    @Override
    public List<OptionSpec> options()
    {
        return OPTIONS;
    }

    @Override
    public List<Map<String, String>> modes()
    {
        return List.of(Map.of(MODE, "tmm"), Map.of(MODE, "rmm"));
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        final RbufsChannel.Mode mode =
            RbufsChannel.Mode.valueOf(options.getString(MODE).toUpperCase(Locale.ROOT));
        return new RbufsTransport(kernel, options, mode, NotifyFactory.CORE);
    }
}
