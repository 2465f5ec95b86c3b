package io.barge.grant.xen;

import io.barge.core.transport.TransportContractTest;

import java.util.Map;

/**
 * The transport contract, run against the {@code xen} transport with receiver-posted buffers
 * ({@code granter=receiver}) and {@code grants=map}.
 */
class XenPostedMapContractTest extends TransportContractTest
{
    @Override
    protected String transportName()
    {
        return "xen";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("grants", "map", "granter", "receiver");
    }
}
