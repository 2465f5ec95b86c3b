package io.barge.examples;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjLongConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The examples' consumer check can fail: a message out of order, of the wrong length or with one wrong byte is
 * refused with the sequence number where it happened.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExamplesTest
{
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void aMessageOutOfOrderIsRefused(final String transport)
    {
        assertEquals("wrong length or sequence; expected 1",
            consumeAfter(transport, (claim, seq) -> claim.putLong(0, seq == 1 ? 2 : seq)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void oneWrongByteIsRefused(final String transport)
    {
        assertEquals("wrong checksum at 2", consumeAfter(transport, (claim, seq) ->
        {
            claim.putLong(0, seq);
            claim.putByte(Examples.SIZE - 1, (byte)(seq == 2 ? 9 : seq));
        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void intactMessagesAreCountedUpToTheEndOfStream(final String transport)
    {
        try (Kernel kernel = Kernel.withMemoryMiB(16); Domain a = kernel.createDomain("a");
            Domain b = kernel.createDomain("b"); Transport t = Transports.create(kernel, transport, Map.of()))
        {
            final Channel channel = t.open(a, b, ChannelConfig.defaults());
            StreamExample.produce(channel.sender(), 3, new CompletableFuture<>());
            assertEquals(3, Examples.consume(channel.receiver()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.barge.examples.StreamExampleTest#transports")
    void aShortMessageIsRefused(final String transport)
    {
        try (Kernel kernel = Kernel.withMemoryMiB(16); Domain a = kernel.createDomain("a");
            Domain b = kernel.createDomain("b"); Transport t = Transports.create(kernel, transport, Map.of()))
        {
            final Channel channel = t.open(a, b, ChannelConfig.defaults());
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(Examples.SIZE - 8, claim));
            claim.putLong(0, 0);
            channel.sender().commit(claim);
            channel.sender().finish();
            final IllegalStateException ex =
                assertThrows(IllegalStateException.class, () -> Examples.consume(channel.receiver()));
            assertEquals("wrong length or sequence; expected 0", ex.getMessage());
        }
    }

    /** Sends four messages filled as the producer does, then changed by {@code tamper}; returns the refusal. */
    private static String consumeAfter(final String transport, final ObjLongConsumer<Claim> tamper)
    {
        try (Kernel kernel = Kernel.withMemoryMiB(16); Domain a = kernel.createDomain("a");
            Domain b = kernel.createDomain("b"); Transport t = Transports.create(kernel, transport, Map.of()))
        {
            final Channel channel = t.open(a, b, ChannelConfig.defaults());
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            for (long seq = 0; seq < 4; seq++)
            {
                assertEquals(Status.OK, sender.tryClaim(Examples.SIZE, claim));
                claim.setMemory(0, Examples.SIZE, (byte)seq);
                tamper.accept(claim, seq);
                sender.commit(claim);
            }
            sender.finish(); // a consumer that found nothing wrong would return, not wait
            return assertThrows(IllegalStateException.class, () -> Examples.consume(channel.receiver()))
                .getMessage();
        }
    }
}
