package io.barge.core.transport;

import io.barge.core.machine.ProcessTransport;

/** The contract over ring channels between processes, the kernel in a child JVM. */
class ProcessRingContractTest extends ProcessTransportContract
{
    @Override
    protected String kind()
    {
        return ProcessTransport.RING;
    }
}
