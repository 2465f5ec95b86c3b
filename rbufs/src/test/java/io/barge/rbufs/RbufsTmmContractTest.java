package io.barge.rbufs;

import io.barge.core.transport.TransportContractTest;

import java.util.Map;

/**
 * The transport contract, run against Rbufs in transmit-master mode.
 */
class RbufsTmmContractTest extends TransportContractTest
{
    @Override
    protected String transportName()
    {
        return "rbufs";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("mode", "tmm");
    }
}
