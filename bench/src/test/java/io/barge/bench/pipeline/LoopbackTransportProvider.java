package io.barge.bench.pipeline;

import io.barge.core.Kernel;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;

import java.util.List;

/**
 * A test-only transport (registered from the test resources): a ring of sender-owned buffers shared read-only with
 * the receiver, forwarding by a counted kernel copy. It lets the pipeline and the CLI be tested against a second
 * transport besides {@code copy}, with options to get wrong.
 */
public final class LoopbackTransportProvider implements TransportProvider
{
    /** The name it is found by. */
    public static final String NAME = "test-loopback";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "test only: sender-owned buffers shared read-only with the receiver";
    }

    @Override
    public List<OptionSpec> options()
    {
        return List.of(
            OptionSpec.ofBoolean("zero", false, "zero the buffers when the channel opens"),
            OptionSpec.ofEnum("flavour", List.of("plain", "fancy"), "plain", "does nothing; an enum to get wrong"),
            OptionSpec.ofInt("failAt", -1, "the receiver throws when it polls this message (-1: never)"),
            OptionSpec.ofBoolean("leak", false, "close keeps one frame (to test leak reporting)"),
            OptionSpec.ofInt("stallAt", -1, "the receiver sees nothing from this message on (-1: never)"));
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        return new LoopbackTransport(kernel, options);
    }
}
