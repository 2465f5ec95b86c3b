package io.barge.core.transport;

import io.barge.core.machine.ProcessTransport;

/**
 * The contract over fbufs channels between processes, the kernel in a child JVM. What it skips is what every
 * process kind skips ({@link ProcessTransportContract}: the tests that drive the kernel itself); with the default
 * 16 KiB messages in 4 KiB fbufs, every message of more than 4 KiB is an aggregate of several fbufs.
 */
class ProcessFbufsContractTest extends ProcessTransportContract
{
    @Override
    protected String kind()
    {
        return ProcessTransport.FBUFS;
    }
}
