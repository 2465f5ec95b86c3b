package io.barge.fbufs;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code fbufs} transport (Druschel and Peterson, SOSP 1993; seed 004): fbufs in one region at the same address
 * in every domain, allocated per I/O path, with caching, volatile fbufs and integrated buffer management each
 * selectable.
 */
public final class FbufTransportProvider implements TransportProvider
{
    /** The provider's name. */
    public static final String NAME = "fbufs";
    /** Option: cache freed fbufs on their path's free list. */
    public static final String CACHED = "cached";
    /** Option: volatile fbufs (no protection raising on send; receivers validate). */
    public static final String VOLATILE = "volatile";
    /** Option: integrated buffer management (nodes in fbufs, only the root crosses). */
    public static final String INTEGRATED = "integrated";

    private static final List<OptionSpec> OPTIONS = List.of(
        OptionSpec.ofBoolean(CACHED, true, "freed fbufs stay mapped on their I/O path's free list"),
        OptionSpec.ofBoolean(VOLATILE, true, "the sender keeps its write right; receivers validate what they read"),
        OptionSpec.ofBoolean(INTEGRATED, true, "aggregate nodes live in fbufs; only the root address is sent"));

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "fbufs: per-path cached, volatile, integrated page buffers at one address in every domain";
    }

    @Override
    public List<OptionSpec> options()
    {
        return OPTIONS;
    }

    @Override
    public List<Map<String, String>> modes()
    {
        final List<Map<String, String>> modes = new ArrayList<>();
        for (final FbufMode mode : FbufMode.ALL)
        {
            modes.add(Map.of(CACHED, Boolean.toString(mode.cached()), VOLATILE, Boolean.toString(mode.isVolatile()),
                INTEGRATED, Boolean.toString(mode.integrated())));
        }
        return modes;
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        return new FbufTransport(kernel, options,
            new FbufMode(options.getBoolean(CACHED), options.getBoolean(VOLATILE), options.getBoolean(INTEGRATED)));
    }
}
