package io.barge.core.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The conductor's channel commands on a clock the test moves: malformed commands, a kernel without a memory file,
 * and a client timed out with a channel open (its end marked dead, the frames kept until the other end closes).
 */
@Timeout(10)
class KernelConductorChannelTest
{
    @TempDir
    Path dir;

    /** Sends CREATE_CHANNEL for a 4 KiB ring of 64-byte messages; returns its correlation id. */
    private static long channel(final ConductorHarness h, final int client, final int sender, final int receiver)
    {
        h.command().putInt(SENDER_DOMAIN_OFFSET, sender);
        h.command().putInt(RECEIVER_DOMAIN_OFFSET, receiver);
        h.command().putInt(MAX_MESSAGE_LENGTH_OFFSET, 64);
        h.command().putInt(CAPACITY_OFFSET, 4096);
        h.command().putInt(KIND_OFFSET, ProcessChannelDescriptor.KIND_RING);
        return h.send(CREATE_CHANNEL, client, CREATE_CHANNEL_LENGTH);
    }

    @Test
    void channelCommandsOfTheWrongLengthAreMalformed()
    {
        try (ConductorHarness h = new ConductorHarness(dir, true))
        {
            final int a = h.attachClient(1);
            h.error(h.send(CREATE_CHANNEL, a, CREATE_CHANNEL_LENGTH - 4), ERROR_MALFORMED);
            h.error(h.send(CREATE_CHANNEL, a, CREATE_CHANNEL_LENGTH + 4), ERROR_MALFORMED);
            h.error(h.send(CLOSE_CHANNEL, a, ONE_INT_LENGTH), ERROR_MALFORMED);
            assertEquals(1, h.kernelCount(ConductorCounters.CHANNEL_CLOSES));
            assertEquals(2, h.kernelCount(ConductorCounters.CHANNEL_CREATES));
        }
    }

    @Test
    void aKernelWithoutAMemoryFileRefusesChannels()
    {
        try (ConductorHarness h = new ConductorHarness(dir))
        {
            final int a = h.attachClient(1);
            final int b = h.attachClient(2);
            final int da = h.createDomain(a, "a");
            final int db = h.createDomain(b, "b");
            final int free = h.kernel.freeFrames();
            h.error(channel(h, a, da, db), ERROR_NO_MEMORY);
            assertEquals(free, h.kernel.freeFrames());
        }
    }

    @Test
    void aTimedOutClientsEndIsMarkedDeadAndTheFramesWaitForTheOtherEnd()
    {
        try (ConductorHarness h = new ConductorHarness(dir, true))
        {
            final int a = h.attachClient(1);
            final int b = h.attachClient(2);
            final int da = h.createDomain(a, "a");
            final int db = h.createDomain(b, "b");
            final int free = h.kernel.freeFrames();
            final ConductorHarness.Response answer = h.one(channel(h, a, da, db), ON_CHANNEL_CREATED);
            final int channelId = answer.value();
            assertEquals(free - 2, h.kernel.freeFrames(), "a header frame and a 4 KiB ring");

            // Only b keeps alive: a times out.
            for (int i = 0; i < 4; i++)
            {
                h.keepalive(b);
                h.advance(ConductorHarness.TIMEOUT_MS / 2);
            }
            final ChannelEntry entry = ChannelTableDescriptor.readSlot(h.kernel.machineFile().channelTableBuffer(), 0);
            assertEquals(channelId, entry.channelId);
            assertEquals(ChannelTableDescriptor.END_DEAD, entry.senderEnd);
            assertEquals(ChannelTableDescriptor.END_OPEN, entry.receiverEnd);
            assertNull(h.kernel.domain(da), "a's domain went with it");
            assertEquals(free - 2, h.kernel.freeFrames(), "the frames wait for the receiver");
            h.responses(); // the timeout's broadcast

            h.command().putInt(CHANNEL_ID_OFFSET, channelId);
            h.command().putInt(END_OFFSET, END_RECEIVER);
            h.one(h.send(CLOSE_CHANNEL, b, CLOSE_CHANNEL_LENGTH), ON_CHANNEL_CLOSED);
            assertNull(ChannelTableDescriptor.readSlot(h.kernel.machineFile().channelTableBuffer(), 0));
            assertEquals(1, h.kernelCount(ConductorCounters.CHANNELS_FREED));
            assertEquals(1, h.kernelCount(ConductorCounters.CLIENT_TIMEOUTS));
            assertEquals(free, h.kernel.freeFrames());
        }
    }
}
