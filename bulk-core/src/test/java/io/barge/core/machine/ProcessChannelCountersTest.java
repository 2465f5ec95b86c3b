package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process channel's ends count in the channel's own header frame, and a {@link MachineReader} in another "process"
 * (its own mappings, read-only) shows them as a group per channel, named by kind and domains; a channel whose header
 * no longer names it is left out; a freed channel's group goes.
 */
@Timeout(30)
class ProcessChannelCountersTest
{
    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aRingChannelsEndsCountTrafficAndBackPressureInItsFrames()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir);
             MachineReader reader = MachineReader.attach(dir))
        {
            final int channelId = pair.channel(1024, 4096);
            final ProcessSender sender = pair.a.openSender(channelId);
            final ProcessReceiver receiver = pair.b.openReceiver(channelId);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);
            int sent = 0;
            long bytes = 0;
            int pressured = 0;
            // Four 1008-byte records fill the 4 KiB ring (the fifth would need padding and more), so two offers wait.
            for (int i = 0; i < 6; i++)
            {
                if (sender.offer(message, 0, 1000) == ProcessSender.OK)
                {
                    sent++;
                    bytes += 1000;
                }
                else
                {
                    pressured++;
                }
            }
            assertEquals(4, sent);
            assertEquals(2, pressured);
            assertEquals(2, receiver.poll((buffer, offset, length) -> { }, 2));

            final MachineSnapshot.Group group = processChannel(reader.snapshot(), channelId);
            assertEquals(pair.domainA, group.domainId());
            assertEquals(pair.domainB, group.peerDomainId());
            assertEquals("ring sender -> receiver", group.name());
            assertEquals("process channel " + channelId + " \"ring sender -> receiver\" (domain " + pair.domainA +
                " -> " + pair.domainB + ")", group.title());
            assertEquals(4, group.value("messages sent"));
            assertEquals(bytes, group.value("bytes sent"));
            assertEquals(2, group.value("offers back-pressured"));
            assertEquals(2, group.value("messages received"));
            assertEquals(2000, group.value("bytes received"));
            assertEquals(-1, group.value("buffers released"), "a ring channel has no buffers to count");
            assertEquals(List.of(2001, 2002, 2003, 2004, 2005), group.counters().stream()
                .map(MachineSnapshot.Counter::typeId).collect(Collectors.toList()));
            assertTrue(reader.snapshot().format(false).contains(group.title()), "barge stat prints it");

            sender.close();
            receiver.close();
            assertTrue(reader.snapshot().groups().stream()
                .noneMatch((g) -> g.kind() == MachineSnapshot.KIND_PROCESS_CHANNEL), "a freed channel's group goes");
        }
    }

    @Test
    void aChannelWhoseHeaderNoLongerNamesItIsLeftOutAndTheOthersStay()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir);
             MachineReader reader = MachineReader.attach(dir))
        {
            final int damaged = pair.channel(64, 4096);
            final int whole = pair.channel(64, 4096);
            final UnsafeBuffer header = new UnsafeBuffer(0, 0);
            service.kernel().wrapFrame(header, ProcessChannelTest.entry(service, damaged).firstFrame);
            header.putInt(ProcessChannelDescriptor.CHANNEL_ID_OFFSET, whole); // a peer's scribble
            final List<Integer> shown = reader.snapshot().groups().stream()
                .filter((g) -> g.kind() == MachineSnapshot.KIND_PROCESS_CHANNEL).map(MachineSnapshot.Group::channelId)
                .collect(Collectors.toList());
            assertEquals(List.of(whole), shown);
        }
    }

    static MachineSnapshot.Group processChannel(final MachineSnapshot snapshot, final int channelId)
    {
        return snapshot.groups().stream()
            .filter((g) -> g.kind() == MachineSnapshot.KIND_PROCESS_CHANNEL && g.channelId() == channelId)
            .findFirst().orElseThrow(() -> new AssertionError("no group for channel " + channelId + " in " +
                snapshot.groups()));
    }
}
