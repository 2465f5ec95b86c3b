package io.barge.core.transport;

import io.barge.core.machine.ProcessTransport;
/**
 * The contract over Xen device channels between processes, the kernel in a child JVM: persistent grants (the
 * default; grant copy is {@link ProcessXenCopyContractTest}).
 */
class ProcessXenContractTest extends ProcessTransportContract
{
    @Override
    protected String kind()
    {
        return ProcessTransport.XEN;
    }
}
