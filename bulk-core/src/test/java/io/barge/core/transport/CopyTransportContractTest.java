package io.barge.core.transport;

import java.util.Map;

/**
 * The contract, run against the copy baseline over UMP.
 */
class CopyTransportContractTest extends TransportContractTest
{
    @Override
    protected String transportName()
    {
        return "copy";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of();
    }
}
