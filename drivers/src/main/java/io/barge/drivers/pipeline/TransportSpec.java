package io.barge.drivers.pipeline;

import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A transport for one hop of a {@link Pipeline}: a provider name as {@code barge transports} lists it and its
 * options as the user wrote them. Checked when made, so a typo fails before anything is allocated. Two equal specs
 * on consecutive hops are one transport, opened as one path.
 */
public final class TransportSpec
{
    private final String name;
    private final Map<String, String> options;
    private final TransportProvider provider;
    private final TransportOptions parsed;

    private TransportSpec(final String name, final Map<String, String> options)
    {
        this.name = Objects.requireNonNull(name, "name");
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        this.provider = Transports.find(name);
        this.parsed = TransportOptions.parse(name, provider.options(), this.options);
    }

    /**
     * @param name a transport name, e.g. {@code fbufs}.
     * @return the transport with its default options.
     * @throws io.barge.core.transport.InvalidOptionException if no such transport is installed.
     */
    public static TransportSpec of(final String name)
    {
        return new TransportSpec(name, Map.of());
    }

    /**
     * @param name    a transport name.
     * @param options key to value, as {@code barge transports} lists them.
     * @return the transport with those options.
     * @throws io.barge.core.transport.InvalidOptionException if the transport, a key or a value is unknown.
     */
    public static TransportSpec of(final String name, final Map<String, String> options)
    {
        return new TransportSpec(name, options);
    }

    /**
     * @return the transport's name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the options as given.
     */
    public Map<String, String> options()
    {
        return options;
    }

    TransportProvider provider()
    {
        return provider;
    }

    TransportOptions parsed()
    {
        return parsed;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof TransportSpec && ((TransportSpec)other).name.equals(name) &&
            ((TransportSpec)other).parsed.asMap().equals(parsed.asMap());
    }

    @Override
    public int hashCode()
    {
        return name.hashCode() * 31 + parsed.asMap().hashCode();
    }

    /**
     * @return the transport with every option value, e.g. {@code fbufs[cached=true,...]}.
     */
    @Override
    public String toString()
    {
        return parsed.toString();
    }
}
