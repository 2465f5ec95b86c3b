package io.barge.rbufs;

import io.barge.core.transport.TransportContractTest;

import java.util.Map;

/**
 * The transport contract, run against Rbufs in receive-master mode.
 */
class RbufsRmmContractTest extends TransportContractTest
{
    @Override
    protected String transportName()
    {
        return "rbufs";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("mode", "rmm");
    }
}
