package io.barge.fbufs.contract;

import io.barge.core.transport.BufferViewContractTest;

import java.util.Map;

/**
 * The buffer-view contract on fbufs, cached=false volatile=false (integrated).
 */
class FbufsUncachedNonVolatileBufferViewTest extends BufferViewContractTest
{
    @Override
    protected String transportName()
    {
        return "fbufs";
    }

    @Override
    protected Map<String, String> transportOptions()
    {
        return Map.of("cached", "false", "volatile", "false", "integrated", "true");
    }

    @Override
    protected Boolean expectedOneRun()
    {
        return null;
    }
}
