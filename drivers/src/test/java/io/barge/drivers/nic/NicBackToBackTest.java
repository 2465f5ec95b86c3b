package io.barge.drivers.nic;

import io.barge.core.Domain;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NicBackToBackTest
{
    private static final int MTU = 1500;

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {1L, 42L, 0x5EED_0001L})
    void twoNicsBackToBackMoveEveryFrameIntactAndInOrder(final long seed) throws Exception
    {
        try (NicRig rig = new NicRig(MTU))
        {
            final ArrayDeque<long[]> expected = new ArrayDeque<>();
            final long[] received = new long[1];
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 64, NicDriver.Mode.POLLING, 64,
                (buffer, offset, length) -> { });
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, NicDriver.Mode.POLLING, 64,
                (buffer, offset, length) ->
                {
                    final long[] want = expected.poll();
                    assertEquals(want[0], length, "seed=" + seed + " frame " + received[0] + " length");
                    assertEquals(want[1], NicRig.crc32(buffer, offset, length),
                        "seed=" + seed + " frame " + received[0] + " payload checksum");
                    received[0]++;
                });
            final int frames = 3000;
            final SplittableRandom random = new SplittableRandom(seed);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[MTU]);
            int sent = 0;
            for (int round = 0; round < 100_000 && received[0] < frames; round++)
            {
                while (sent < frames && sent - received[0] < 64) // no more in flight than the receiver posted
                {
                    final int length = 1 + random.nextInt(MTU);
                    for (int i = 0; i < length; i++)
                    {
                        payload.putByte(i, (byte)random.nextInt());
                    }
                    if (!sender.send(payload, 0, length))
                    {
                        break; // TX ring full: this payload is dropped before it was expected, a new one follows
                    }
                    expected.add(new long[]{length, NicRig.crc32(payload, 0, length)});
                    sent++;
                }
                rig.pump(1, () -> false, sender, receiver);
            }
            assertEquals(frames, received[0], "seed=" + seed);
            assertEquals(0, expected.size(), "seed=" + seed);
            rig.pump(10, () -> sender.txInFlight() == 0, sender);
            assertEquals(0, sender.txInFlight(), "every TX completion reaped");
            final Domain a = sender.domain();
            assertEquals(frames, a.counter(NicCounters.NIC_TX_FRAMES), "seed=" + seed);
            final Domain b = receiver.domain();
            assertEquals(frames, b.counter(NicCounters.NIC_RX_FRAMES), "seed=" + seed);
            assertEquals(0, b.counter(NicCounters.NIC_RX_NO_BUFFER) + b.counter(NicCounters.NIC_RX_CRC_ERRORS) +
                b.counter(NicCounters.NIC_COMPLETIONS_REJECTED) + a.counter(NicCounters.NIC_COMPLETIONS_REJECTED));
        }
    }

    @Test
    void devicesRunAsAgentsOnTheirOwnThreads() throws Exception
    {
        try (NicRig rig = new NicRig(MTU))
        {
            final long[] received = new long[2];
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 128, NicDriver.Mode.POLLING, 64,
                (buffer, offset, length) -> { });
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 128, NicDriver.Mode.POLLING, 64,
                (buffer, offset, length) ->
                {
                    assertEquals(received[0], buffer.getLong(offset), "frames in order");
                    received[0]++;
                    received[1] += length;
                });
            final AgentRunner runA = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null,
                rig.nicA);
            final AgentRunner runB = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null,
                rig.nicB);
            AgentRunner.startOnThread(runA);
            AgentRunner.startOnThread(runB);
            final int frames = 20_000;
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[64]);
            long sent = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            final BackoffIdleStrategy idle = new BackoffIdleStrategy();
            try
            {
                while (received[0] < frames && System.nanoTime() < deadline)
                {
                    int work = 0;
                    while (sent < frames && sent - received[0] < 128) // no more in flight than the receiver posted
                    {
                        payload.putLong(0, sent);
                        if (!sender.send(payload, 0, 64))
                        {
                            break;
                        }
                        sent++;
                        work++;
                    }
                    work += sender.poll(64) + receiver.poll(64);
                    idle.idle(work);
                }
            }
            finally
            {
                runA.close();
                runB.close();
            }
            final Domain b = receiver.domain();
            assertEquals(frames, received[0], "dropped: " + b.counter(NicCounters.NIC_RX_NO_BUFFER));
            assertEquals(frames * 64L, received[1]);
            assertTrue(b.counter(io.barge.core.device.DeviceCounters.DMA_BYTES) >= frames * 64L);
        }
    }
}
