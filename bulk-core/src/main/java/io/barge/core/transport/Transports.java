package io.barge.core.transport;

import io.barge.core.Kernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds transports by name through {@link ServiceLoader}.
 */
public final class Transports
{
    private Transports()
    {
    }

    /**
     * @return every installed provider, by name.
     */
    public static List<TransportProvider> installed()
    {
        final List<TransportProvider> providers = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparing(TransportProvider::name));
        return providers;
    }

    /**
     * @param name a transport name.
     * @return its provider.
     * @throws InvalidOptionException if none has that name; the message lists the installed ones.
     */
    public static TransportProvider find(final String name)
    {
        final List<TransportProvider> providers = installed();
        return providers.stream().filter((p) -> p.name().equals(name)).findFirst()
            .orElseThrow(() -> new InvalidOptionException("unknown transport '" + name + "'; installed: " +
                providers.stream().map(TransportProvider::name).collect(Collectors.joining(", "))));
    }

    /**
     * Finds a provider, parses the options and creates the transport.
     *
     * @param kernel  the machine.
     * @param name    transport name.
     * @param options key to value as the user wrote them.
     * @return the transport.
     */
    public static Transport create(final Kernel kernel, final String name, final Map<String, String> options)
    {
        final TransportProvider provider = find(name);
        return provider.create(kernel, TransportOptions.parse(name, provider.options(), options));
    }

    /**
     * Creates a transport with every option at its default.
     *
     * @param kernel the machine.
     * @param name   transport name, e.g. {@code copy}, {@code fbufs}, {@code rbufs} or {@code xen}.
     * @return the transport.
     * @throws InvalidOptionException if no installed transport has that name (the message lists those installed).
     */
    public static Transport create(final Kernel kernel, final String name)
    {
        return create(kernel, name, Map.of());
    }
}
