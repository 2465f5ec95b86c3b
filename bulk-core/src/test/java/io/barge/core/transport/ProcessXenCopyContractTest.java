package io.barge.core.transport;

import io.barge.core.machine.ProcessTransport;

import java.util.Map;

/** The contract over Xen device channels between processes in grant-copy mode, the kernel in a child JVM. */
class ProcessXenCopyContractTest extends ProcessTransportContract
{
    @Override
    protected String kind()
    {
        return ProcessTransport.XEN;
    }

    @Override
    protected Map<String, String> kindOptions()
    {
        return Map.of(ProcessTransport.GRANTS, "copy");
    }
}
