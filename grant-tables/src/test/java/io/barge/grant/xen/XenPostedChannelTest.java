package io.barge.grant.xen;

import io.barge.core.CounterType;
import io.barge.core.transport.Capability;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.Transports;
import io.barge.grant.GrantCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The receiver-posted {@code xen} channel beyond the contract: the option, buffers up to 1 MiB through indirect
 * segments, the grant operations each mode costs the sender per message (read from the counters), and notification
 * suppression both ways.
 */
@Timeout(60)
class XenPostedChannelTest extends XenPostedFixture
{
    @Test
    void optionGranterReceiverMakesThePostedTransportAndKeepsTheOtherLabels()
    {
        final XenPostedTransport transport = posted(GrantMode.COPY);
        assertEquals(Set.of(Capability.POSTED_BUFFERS), transport.capabilities());
        assertEquals("grants=copy,granter=receiver", transport.options().mode());
        final TransportOptions defaults = TransportOptions.parse("xen", Transports.find("xen").options(),
            Map.of("grants", "persistent"));
        assertEquals("grants=persistent", defaults.mode(), "the sender-granting modes keep their labels");
        assertInstanceOf(XenTransport.class, Transports.create(kernel, "xen", Map.of("granter", "sender")));
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void buffersUpToOneMebibyteUseIndirectSegments(final GrantMode mode)
    {
        final int[] lengths = { 1, PAGE, 16 * PAGE, 16 * PAGE + 1, 17 * PAGE, 300_001, 1 << 20 };
        try (XenPostedChannel channel = posted(mode).open(a, b, config(1 << 20, 4)))
        {
            for (int i = 0; i < lengths.length; i++)
            {
                send(channel, i, lengths[i]);
                channel.receiver().release(receive(channel, i, lengths[i]));
            }
            assertEquals(0, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(0, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    /**
     * Grant operations of the sender (the back end) for one message filling a buffer of {@code pages} pages (16 go
     * direct, 17 need an indirect page, grant-copied once per post).
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
        try (XenPostedChannel channel = posted(mode).open(a, b, config(pages * PAGE, 4)))
        {
            for (int round = 0; round < 6; round++)
            {
                final long maps0 = a.counter(GrantCounters.GRANT_MAPS);
                final long unmaps0 = a.counter(GrantCounters.GRANT_UNMAPS);
                final long flushes0 = a.counter(CounterType.TLB_FLUSHES);
                final long copies0 = a.counter(GrantCounters.GRANT_COPIES);
                final long bytes0 = a.counter(CounterType.BYTES_COPIED);
                send(channel, round, pages * PAGE);
                channel.receiver().release(receive(channel, round, pages * PAGE));
                final String context = mode + " pages=" + pages + " round=" + round;
                assertEquals(maps, a.counter(GrantCounters.GRANT_MAPS) - maps0, context + " maps");
                assertEquals(unmaps, a.counter(GrantCounters.GRANT_UNMAPS) - unmaps0, context + " unmaps");
                assertEquals(flushes, a.counter(CounterType.TLB_FLUSHES) - flushes0, context + " flushes");
                assertEquals(copies, a.counter(GrantCounters.GRANT_COPIES) - copies0, context + " copies");
                assertEquals(bytesCopied, a.counter(CounterType.BYTES_COPIED) - bytes0, context + " bytes");
            }
        }
    }

    @Test
    void grantCopyCarriesOnlyTheShrunkLength()
    {
        try (XenPostedChannel channel = posted(GrantMode.COPY).open(a, b, config(4 * PAGE, 4)))
        {
            final long copies0 = a.counter(GrantCounters.GRANT_COPIES);
            final long bytes0 = a.counter(CounterType.BYTES_COPIED);
            final io.barge.core.transport.Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(4 * PAGE, claim));
            fill(claim, 3, PAGE + 10);
            claim.shrink(PAGE + 10);
            channel.sender().commit(claim);
            channel.receiver().release(receive(channel, 3, PAGE + 10));
            assertEquals(2, a.counter(GrantCounters.GRANT_COPIES) - copies0);
            assertEquals(PAGE + 10, a.counter(CounterType.BYTES_COPIED) - bytes0);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void eventIndicesSuppressNotificationsBothWays(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(4 * PAGE, 8)))
        {
            // req_event starts at 1: the first publication of the posted buffers notifies the sender.
            publishCounts(channel);
            assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(1, channel.requestEvents.get());
            // rsp_event starts at 1 too: the first filled buffer notifies, the next four find the receiver told.
            for (int i = 0; i < 5; i++)
            {
                send(channel, i, 100);
            }
            publishCounts(channel);
            assertEquals(1, a.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(4, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
            assertEquals(1, channel.responseEvents.get());
            final Message[] held = new Message[5];
            for (int i = 0; i < 5; i++)
            {
                held[i] = receive(channel, i, 100);
            }
            // Empty: the receiver asks to be told of the next filled buffer (rsp_event = rsp_cons + 1).
            assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
            for (int i = 0; i < 5; i++)
            {
                channel.receiver().release(held[i]);
            }
            // The sender still had posted buffers and never asked for more: the five reposts are suppressed.
            publishCounts(channel);
            assertEquals(1, b.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(5, b.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
            send(channel, 5, 100);
            publishCounts(channel);
            assertEquals(2, a.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(2, channel.responseEvents.get());
            channel.receiver().release(receive(channel, 5, 100));
        }
    }

    /** The ends' notification counts reach their domains' counters in batches: published here, on their thread. */
    private static void publishCounts(final XenPostedChannel channel)
    {
        channel.sender().publishCounts();
        channel.receiver().publishCounts();
    }
}
