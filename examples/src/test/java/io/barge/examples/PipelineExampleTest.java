package io.barge.examples;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The A -> B -> C pipeline, run as a user would over every installed transport: C checks every message, B's count
 * and the free frames (the example throws otherwise), and it says what it checked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelineExampleTest
{
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void everyMessageCrossesTwoHopsIntactOverEveryTransport(final String transport) throws Exception
    {
        assertEquals("16384 messages checked, every frame back", ExampleRun.output(PipelineExample::main, transport));
    }
}
