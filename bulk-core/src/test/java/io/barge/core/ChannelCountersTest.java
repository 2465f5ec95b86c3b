package io.barge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A channel's counters: one set per channel with a new id, keyed by both ends, freed on close; when the counters are
 * full a channel still counts, privately.
 */
@Timeout(30)
class ChannelCountersTest
{
    private static List<String> channelLabels(final SystemCounters counters)
    {
        final List<String> labels = new ArrayList<>();
        counters.reader().forEach((counterId, typeId, key, label) ->
        {
            if (CounterKeyDescriptor.kind(key) == CounterKeyDescriptor.KIND_CHANNEL)
            {
                labels.add(CounterKeyDescriptor.channelId(key) + " " + CounterKeyDescriptor.domainId(key) + "->" +
                    CounterKeyDescriptor.peerDomainId(key) + " " + label + "=" +
                    counters.reader().getCounterValue(counterId));
            }
        });
        return labels;
    }

    @Test
    void eachChannelHasItsOwnCountersUntilClosed()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1); Domain a = kernel.createDomain("a");
            Domain b = kernel.createDomain("b"))
        {
            final SystemCounters counters = kernel.counters();
            final ChannelCounters first = counters.newChannel("x a -> b", a, b);
            final ChannelCounters second = counters.newChannel("y b -> a", b, a);
            assertNotEquals(first.channelId(), second.channelId());
            first.sent(100);
            first.sent(28);
            first.received();
            second.sent(1);

            assertEquals(128, first.bytesSent());
            assertEquals(2, first.messagesSent());
            assertEquals(1, first.messagesReceived());
            assertEquals(List.of(
                first.channelId() + " 1->2 x a -> b: messages sent=2",
                first.channelId() + " 1->2 x a -> b: bytes sent=128",
                first.channelId() + " 1->2 x a -> b: messages received=1",
                second.channelId() + " 2->1 y b -> a: messages sent=1",
                second.channelId() + " 2->1 y b -> a: bytes sent=1",
                second.channelId() + " 2->1 y b -> a: messages received=0"), channelLabels(counters));

            first.close();
            first.close();
            second.close();
            assertEquals(List.of(), channelLabels(counters));
        }
    }

    @Test
    void whenTheCountersAreFullAChannelStillCountsPrivately()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1); Domain a = kernel.createDomain("a");
            Domain b = kernel.createDomain("b");
            SystemCounters full = new SystemCounters(CounterType.count() + 1)) // the retired totals and one more
        {
            final ChannelCounters channel = full.newChannel("c", a, b);
            channel.sent(64);
            channel.received();
            assertEquals(64, channel.bytesSent());
            assertEquals(1, channel.messagesSent());
            assertEquals(1, channel.messagesReceived());
            assertEquals(List.of(), channelLabels(full), "the one counter made before it was full is freed");
            channel.close();
        }
    }
}
