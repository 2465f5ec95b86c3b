package io.barge.examples;

import io.barge.fbufs.FbufMode;
import io.barge.fbufs.FbufTransportProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Netty example in every fbufs mode (cached or not, volatile or not, integrated or not): every ByteBuf written
 * is read back intact by the receiver's ByteBuf view, and every fbuf and frame comes back.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NettyAllocatorExampleTest
{
    static Stream<FbufMode> modes()
    {
        return Arrays.stream(FbufMode.ALL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void everyByteBufArrivesIntactInEveryFbufsMode(final FbufMode mode)
    {
        final Map<String, String> options = Map.of(
            FbufTransportProvider.CACHED, Boolean.toString(mode.cached()),
            FbufTransportProvider.VOLATILE, Boolean.toString(mode.isVolatile()),
            FbufTransportProvider.INTEGRATED, Boolean.toString(mode.integrated()));
        assertEquals(200, NettyAllocatorExample.run(options, 200, 3 * 4096 + 100));
    }

    @Test
    void mainTakesOptionsAsKeyEqualsValue()
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            NettyAllocatorExample.main(new String[] {"cached=false", "integrated=true"});
        }
        finally
        {
            System.setOut(out);
        }
        assertEquals("1000 ByteBufs sent and checked, every fbuf and frame back",
            captured.toString(StandardCharsets.UTF_8).trim());
    }
}
