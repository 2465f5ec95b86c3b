package io.barge.core.transport;

import io.barge.core.machine.ProcessTransport;

/** The contract over Rbufs channels between processes, the kernel in a child JVM. */
class ProcessRbufsContractTest extends ProcessTransportContract
{
    @Override
    protected String kind()
    {
        return ProcessTransport.RBUFS;
    }
}
