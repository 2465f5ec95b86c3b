package io.barge.core.transport;

import java.util.Map;

/**
 * The buffer-view contract on the copy baseline.
 */
class CopyBufferViewTest extends BufferViewContractTest
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
