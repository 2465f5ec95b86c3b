package io.barge.fbufs.contract;

import io.barge.core.transport.BufferViewContractTest;

import java.util.Map;

/**
 * The buffer-view contract on fbufs, cached=true volatile=false (integrated).
 */
class FbufsCachedNonVolatileBufferViewTest extends BufferViewContractTest
{
    @Override
    protected String transportName()
    {
        return "fbufs";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("cached", "true", "volatile", "false", "integrated", "true");
    }

    @Override
    protected Boolean expectedOneRun()
    {
        return Boolean.TRUE;
    }
}
