package io.barge.examples;

import io.barge.core.transport.InvalidOptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The stream example, run as a user would over every installed transport: its {@code main} checks every message
 * and the free frames itself and throws otherwise, and says what it checked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamExampleTest
{
    static List<String> transports()
    {
        return ExampleRun.realTransports();
    }

    @Test
    void copyFbufsRbufsAndXenAreInstalled()
    {
        assertTrue(transports().containsAll(List.of("copy", "fbufs", "rbufs", "xen")), transports().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void everyMessageArrivesInOrderIntactOverEveryTransport(final String transport) throws Exception
    {
        assertEquals("16384 messages checked, every frame back", ExampleRun.output(StreamExample::main, transport));
    }

    @Test
    void withoutArgumentsItStreamsOverFbufs() throws Exception
    {
        assertEquals("16384 messages checked, every frame back", ExampleRun.output(StreamExample::main));
    }

    @Test
    void anUnknownTransportIsRefusedNamingTheInstalledOnes()
    {
        final Exception ex = assertThrows(InvalidOptionException.class, () -> ExampleRun.output(StreamExample::main,
            "nope"));
        assertTrue(ex.getMessage().contains("fbufs"), ex.getMessage());
    }
}
