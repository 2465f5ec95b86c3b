package io.barge.core.machine;

import io.barge.core.ChannelCounters;
import io.barge.core.CounterKeyDescriptor;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A copy channel's counters reach the machine file as a channel of their own: named, with its two domains, its
 * messages and bytes sent and messages received; closing the channel frees them.
 */
@Timeout(30)
class MachineChannelCountersTest
{
    @Test
    void aChannelsTrafficIsCountedPerChannelInTheFile(@TempDir final Path dir)
    {
        try (Kernel kernel = MachineFileTest.kernel(dir); Domain a = kernel.createDomain("A");
            Domain b = kernel.createDomain("B"); MachineReader reader = MachineReader.attach(dir))
        {
            final int startFree = kernel.freeFrames();
            try (Transport transport = Transports.create(kernel, "copy", Map.of()))
            {
                final Channel channel = transport.open(a, b, new ChannelConfig(4096, 8,
                    ChannelConfig.Notification.UMP));
                final Claim claim = channel.sender().newClaim();
                for (int i = 0; i < 3; i++)
                {
                    assertEquals(Status.OK, channel.sender().tryClaim(100 + i, claim));
                    channel.sender().commit(claim);
                }
                final Message message = new Message();
                for (int i = 0; i < 2; i++)
                {
                    assertEquals(Status.OK, channel.receiver().poll(message));
                    channel.receiver().release(message);
                }

                final List<MachineSnapshot.Group> channels = channels(reader.snapshot());
                assertEquals(1, channels.size(), channels::toString);
                final MachineSnapshot.Group group = channels.get(0);
                assertEquals("copy A -> B", group.name());
                assertEquals(a.id(), group.domainId());
                assertEquals(b.id(), group.peerDomainId());
                assertTrue(group.title().contains("\"copy A -> B\" (domain " + a.id() + " -> " + b.id() + ")"),
                    group.title());
                assertEquals(3, group.value("messages sent"));
                assertEquals(303, group.value("bytes sent"));
                assertEquals(2, group.value("messages received"));
                assertEquals(List.of(ChannelCounters.MESSAGES_SENT_TYPE_ID, ChannelCounters.BYTES_SENT_TYPE_ID,
                    ChannelCounters.MESSAGES_RECEIVED_TYPE_ID), group.counters().stream()
                    .map(MachineSnapshot.Counter::typeId).collect(Collectors.toList()));
                channel.close();
                assertTrue(channels(reader.snapshot()).isEmpty(), "a closed channel's counters are freed");
            }
            assertEquals(startFree, kernel.freeFrames());
            assertSame(MachineStatus.State.RUNNING, reader.status().state());
        }
    }

    private static List<MachineSnapshot.Group> channels(final MachineSnapshot snapshot)
    {
        return snapshot.groups().stream().filter((g) -> g.kind() == CounterKeyDescriptor.KIND_CHANNEL)
            .collect(Collectors.toList());
    }
}
