package io.barge.examples;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The A -> B -> C pipeline runs over every installed transport: C checks every message (the example throws
 * otherwise) and every frame comes back after the transport is closed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PipelineExampleTest
{
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void everyMessageCrossesTwoHopsIntactOverEveryTransport(final String transport) throws Exception
    {
        assertEquals(8192, PipelineExample.run(transport, 8192));
    }
}
