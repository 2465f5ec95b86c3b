package io.barge.fbufs.contract;

import io.barge.core.transport.TransportContractTest;

import java.util.Map;

/**
 * The transport contract, run against one fbufs combination; one subclass per combination.
 */
abstract class FbufsContractTest extends TransportContractTest
{
    private final boolean cached;
    private final boolean volatile_;
    private final boolean integrated;

    FbufsContractTest(final boolean cached, final boolean volatile_, final boolean integrated)
    {
        this.cached = cached;
        this.volatile_ = volatile_;
        this.integrated = integrated;
    }

    @Override
    protected String transportName()
    {
        return "fbufs";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("cached", Boolean.toString(cached), "volatile", Boolean.toString(volatile_),
            "integrated", Boolean.toString(integrated));
    }
}
