package io.barge.grant.xen;

import io.barge.core.CounterType;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import io.barge.grant.GrantCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The {@code xen} channel beyond the contract: messages up to 1 MiB through indirect segments, the grant
 * operations each mode costs per message (read from the counters), and notification suppression by the event
 * indices.
 */
@Timeout(60)
class XenChannelTest extends XenFixture
{
    @Test
    void providerIsFoundByNameWithItsSixModes()
    {
        final TransportProvider provider = Transports.find("xen");
        assertEquals(XenTransportProvider.class, provider.getClass());
        assertEquals(List.of(Map.of("grants", "map"), Map.of("grants", "copy"), Map.of("grants", "persistent"),
            Map.of("grants", "map", "granter", "receiver"), Map.of("grants", "copy", "granter", "receiver"),
            Map.of("grants", "persistent", "granter", "receiver")), provider.modes());
        for (final Map<String, String> mode : provider.modes())
        {
            final Transport transport = Transports.create(kernel, "xen", mode);
            assertEquals("receiver".equals(mode.get("granter")), transport instanceof XenPostedTransport,
                mode.toString());
            transport.close();
        }
        assertThrows(InvalidOptionException.class, () -> Transports.create(kernel, "xen", Map.of("grants", "pin")));
        assertEquals(GrantMode.MAP, ((XenTransport)Transports.create(kernel, "xen", Map.of())).mode());
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void messagesUpToOneMebibyteUseIndirectSegments(final GrantMode mode)
    {
        final int[] lengths = { 1, PAGE, 16 * PAGE, 16 * PAGE + 1, 17 * PAGE, 300_001, 1 << 20 };
        try (XenChannel channel = transport(mode).open(a, b, config(1 << 20, 4)))
        {
            for (int i = 0; i < lengths.length; i++)
            {
                send(channel, i, lengths[i]);
                final Message message = receive(channel, i, lengths[i]);
                channel.receiver().release(message);
            }
            assertEquals(0, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    /**
     * Grant operations on the back end for one message, by mode and size (pages 16 go direct, 17 need an indirect
     * page, which the back end grant-copies once).
     */
    @ParameterizedTest
    @CsvSource({
        // mode, pages, maps, unmaps, tlb flushes, grant copies, bytes copied
        "MAP, 1, 1, 1, 1, 0, 0",
        "MAP, 16, 16, 16, 1, 0, 0",
        "MAP, 17, 17, 17, 1, 1, 136",
        "COPY, 1, 0, 0, 0, 1, 4096",
        "COPY, 16, 0, 0, 0, 16, 65536",
        "COPY, 17, 0, 0, 0, 18, 69768",
        "PERSISTENT, 1, 0, 0, 0, 0, 0",
        "PERSISTENT, 16, 0, 0, 0, 0, 0",
        "PERSISTENT, 17, 0, 0, 0, 1, 136",
    })
    void grantOperationsPerMessage(final GrantMode mode, final int pages, final long maps, final long unmaps,
        final long flushes, final long copies, final long bytesCopied)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(32 * PAGE, 4)))
        {
            for (int round = 0; round < 3; round++)
            {
                final long maps0 = b.counter(GrantCounters.GRANT_MAPS);
                final long unmaps0 = b.counter(GrantCounters.GRANT_UNMAPS);
                final long flushes0 = b.counter(CounterType.TLB_FLUSHES);
                final long copies0 = b.counter(GrantCounters.GRANT_COPIES);
                final long bytes0 = b.counter(CounterType.BYTES_COPIED);
                send(channel, round, pages * PAGE);
                channel.receiver().release(receive(channel, round, pages * PAGE));
                final String context = mode + " pages=" + pages + " round=" + round;
                assertEquals(maps, b.counter(GrantCounters.GRANT_MAPS) - maps0, context + " maps");
                assertEquals(unmaps, b.counter(GrantCounters.GRANT_UNMAPS) - unmaps0, context + " unmaps");
                assertEquals(flushes, b.counter(CounterType.TLB_FLUSHES) - flushes0, context + " flushes");
                assertEquals(copies, b.counter(GrantCounters.GRANT_COPIES) - copies0, context + " copies");
                assertEquals(bytesCopied, b.counter(CounterType.BYTES_COPIED) - bytes0, context + " bytes");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void eventIndicesSuppressNotificationsUntilTheConsumerAsksAgain(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, 8)))
        {
            // req_event starts at 1: the first request notifies, the next four find the back end already told.
            for (int i = 0; i < 5; i++)
            {
                send(channel, i, 100);
            }
            publishCounts(channel);
            assertEquals(1, a.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(4, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
            assertEquals(1, channel.requestEvents.get());
            final Message[] held = new Message[5];
            for (int i = 0; i < 5; i++)
            {
                held[i] = receive(channel, i, 100);
            }
            // Empty: the back end asks to be told of the next request (req_event = req_cons + 1).
            assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
            for (int i = 0; i < 5; i++)
            {
                channel.receiver().release(held[i]);
            }
            // rsp_event starts at 1 too: the first response notifies, the other four are suppressed.
            publishCounts(channel);
            assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(4, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
            assertEquals(1, channel.responseEvents.get());
            send(channel, 5, 100);
            publishCounts(channel);
            assertEquals(2, a.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(2, channel.requestEvents.get());
            channel.receiver().release(receive(channel, 5, 100));
        }
    }

    /** The ends' notification counts reach their domains' counters in batches: published here, on their thread. */
    private static void publishCounts(final XenChannel channel)
    {
        channel.sender().publishCounts();
        channel.receiver().publishCounts();
    }
}
