package io.barge.rbufs;

import io.barge.core.transport.BufferViewContractTest;

import java.util.Map;

/**
 * The buffer-view contract on Rbufs in receive-master mode; the data area is one physical run.
 */
class RbufsRmmBufferViewTest extends BufferViewContractTest
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

    @Override
    protected Boolean expectedOneRun()
    {
        return Boolean.TRUE;
    }
}
