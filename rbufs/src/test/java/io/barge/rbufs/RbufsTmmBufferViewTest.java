package io.barge.rbufs;

import io.barge.core.transport.BufferViewContractTest;

import java.util.Map;

/**
 * The buffer-view contract on Rbufs in transmit-master mode; the data area is one physical run.
 */
class RbufsTmmBufferViewTest extends BufferViewContractTest
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

    @Override
    protected Boolean expectedOneRun()
    {
        return Boolean.TRUE;
    }
}
