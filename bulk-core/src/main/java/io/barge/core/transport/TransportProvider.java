package io.barge.core.transport;

import io.barge.core.Kernel;

import java.util.List;

/**
 * A bulk transport family, found at run time with {@link java.util.ServiceLoader}: list it in
 * {@code META-INF/services/io.barge.core.transport.TransportProvider}.
 */
public interface TransportProvider
{
    /**
     * @return the unique name, e.g. {@code copy}.
     */
    String name();

    /**
     * @return one line for help and reports.
     */
    String description();

    /**
     * @return the typed options this transport accepts.
     */
    List<OptionSpec> options();

    /**
     * @return option sets worth measuring side by side (e.g. every fbufs combination); by default just the
     *         defaults.
     */
    default List<java.util.Map<String, String>> modes()
    {
        return List.of(java.util.Map.of());
    }

    /**
     * @param kernel  the machine the transport runs on.
     * @param options values for {@link #options()}, parsed by {@link TransportOptions#parse}.
     * @return a transport ready to open channels.
     */
    Transport create(Kernel kernel, TransportOptions options);
}
