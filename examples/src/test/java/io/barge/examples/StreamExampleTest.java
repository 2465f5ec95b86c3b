package io.barge.examples;

import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The stream example runs over every installed transport (the example throws if a message is wrong or a frame
 * did not come back), and its {@code main} streams the full 16,384 messages of 64 KiB over fbufs.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamExampleTest
{
    static List<String> transports()
    {
        return Transports.installed().stream().map(TransportProvider::name).collect(Collectors.toList());
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
        assertEquals(16_384, StreamExample.run(transport, 16_384));
    }

    @Test
    void mainStreamsSixteenThousandMessagesOverFbufsByDefault() throws Exception
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            StreamExample.main(new String[0]);
        }
        finally
        {
            System.setOut(out);
        }
        assertEquals("16384 messages checked, every frame back", captured.toString(StandardCharsets.UTF_8).trim());
    }

    @Test
    void anUnknownTransportIsRefusedNamingTheInstalledOnes()
    {
        final Exception ex = assertThrows(Exception.class, () -> StreamExample.run("nope", 1));
        assertTrue(ex.getMessage().contains("fbufs"), ex.getMessage());
    }
}
