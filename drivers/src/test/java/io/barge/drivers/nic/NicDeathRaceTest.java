package io.barge.drivers.nic;

import io.barge.core.notify.Waitset;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Driver domains destroyed while both devices run as agents on threads of their own and the receiver is interrupt
 * driven on a waitset: the device's pass in progress ends before the dead domain's frames are freed, every frame
 * comes back, and a successor attaches to the running device. Seeded: when to kill.
 */
class NicDeathRaceTest
{
    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {3L, 17L, 2026L})
    @Timeout(value = 50, unit = TimeUnit.SECONDS)
    void driversDieMidTransferWhileTheDevicesRun(final long seed) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (NicRig rig = new NicRig(1500))
        {
            final AtomicReference<Throwable> deviceError = new AtomicReference<>();
            final AgentRunner runA = new AgentRunner(new BackoffIdleStrategy(), deviceError::set, null, rig.nicA);
            final AgentRunner runB = new AgentRunner(new BackoffIdleStrategy(), deviceError::set, null, rig.nicB);
            AgentRunner.startOnThread(runA);
            AgentRunner.startOnThread(runB);
            try
            {
                final LeakCheck leaks = LeakCheck.of(rig.kernel);
                for (int generation = 0; generation < 4; generation++)
                {
                    final long[] received = new long[1];
                    final NicDriver receiver = rig.driver(rig.nicB, "rx" + generation, 32, NicDriver.Mode.INTERRUPT, 8,
                        (b, o, l) -> received[0]++);
                    final NicDriver sender = rig.driver(rig.nicA, "tx" + generation, 32, NicDriver.Mode.POLLING, 32,
                        (b, o, l) -> { });
                    final Waitset waitset = new Waitset("rx" + generation);
                    receiver.register(waitset);
                    final int killAt = 50 + random.nextInt(500);
                    final UnsafeBuffer payload = new UnsafeBuffer(new byte[1 + random.nextInt(1500)]);
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    long sent = 0;
                    while (received[0] < killAt && System.nanoTime() < deadline)
                    {
                        while (sent - received[0] < 32 && sender.send(payload, 0, payload.capacity()))
                        {
                            sent++;
                        }
                        sender.poll(32);
                        waitset.dispatch(1, TimeUnit.MILLISECONDS, new YieldingIdleStrategy());
                    }
                    assertTrue(received[0] >= killAt, "seed=" + seed + " received only " + received[0]);
                    // Mid-transfer: TX buffers pinned, frames on the wire, the devices in their passes.
                    if (random.nextBoolean())
                    {
                        rig.kernel.destroyDomain(sender.domain());
                        rig.kernel.destroyDomain(receiver.domain());
                    }
                    else
                    {
                        rig.kernel.destroyDomain(receiver.domain());
                        rig.kernel.destroyDomain(sender.domain());
                    }
                    // The interrupt lines' device ends return their frames at the devices' next pass.
                    final long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    final YieldingIdleStrategy idle = new YieldingIdleStrategy();
                    while (!leaks.differences().isEmpty() && System.nanoTime() < settle)
                    {
                        idle.idle();
                    }
                    assertEquals(java.util.List.of(), leaks.differences(), "seed=" + seed + " generation " +
                        generation);
                }
            }
            finally
            {
                runA.close();
                runB.close();
            }
            assertNull(deviceError.get(), "the devices saw no error");
        }
    }
}
