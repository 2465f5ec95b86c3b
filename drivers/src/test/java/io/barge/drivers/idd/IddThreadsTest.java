package io.barge.drivers.idd;

import io.barge.core.transport.Claim;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The placement a user runs: devices and driver domain on agent threads of their own, guests on the test's thread;
 * a guest and then the driver domain are destroyed from the test's thread while frames fly. The deaths race the
 * agents: nothing fails on their threads, nothing leaks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IddThreadsTest
{
    @ParameterizedTest
    @EnumSource(IddPath.class)
    void deathsWhileTheAgentsRunAffectOnlyTheDeadAndReturnEverything(final IddPath path) throws Exception
    {
        try (IddRig rig = new IddRig(3, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, "map"));
            final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            final AgentRunner devices = new AgentRunner(new BackoffIdleStrategy(), failures::add, null,
                idd.devices());
            final AgentRunner driver = new AgentRunner(new BackoffIdleStrategy(), failures::add, null, idd);
            AgentRunner.startOnThread(devices);
            AgentRunner.startOnThread(driver);
            try
            {
                final Claim[] claims = { idd.guest(0).newClaim(), idd.guest(1).newClaim(), idd.guest(2).newClaim() };
                final long[] received = new long[3];
                final BackoffIdleStrategy idle = new BackoffIdleStrategy();
                long sequence = 0;
                while (received[0] < 200) // guest 2 -> guest 0 while guest 1 lives, then after its death
                {
                    int work = 0;
                    for (int g = 0; g < 3; g++)
                    {
                        if (g != 1 || rig.guests[1].isAlive())
                        {
                            work += IddRig.send(idd.guest(g), claims[g], g, sequence++, 200) ? 1 : 0;
                            final int guest = g;
                            work += idd.guest(g).poll(message -> received[guest]++, 16);
                            idd.guest(g).pollResponses((id, status) -> { }, 16);
                        }
                    }
                    if (received[0] >= 50 && rig.guests[1].isAlive())
                    {
                        rig.kernel.destroyDomain(rig.guests[1]); // from this thread, the agents running
                    }
                    idle.idle(work);
                }
                assertTrue(idd.stats(1).failure() != null);
                rig.kernel.destroyDomain(idd.domain()); // mid-transfer, the agents still running
                assertThrows(DeviceGoneException.class, () ->
                {
                    while (true)
                    {
                        IddRig.send(idd.guest(0), claims[0], 0, 0, 64);
                        idd.guest(0).poll(message -> { }, 16);
                    }
                });
            }
            finally
            {
                final Thread driverThread = driver.thread();
                final Thread devicesThread = devices.thread();
                driver.close();
                devices.close();
                // An agent runner's close returns once its agent stopped, not once its thread ended; the ends that
                // ran on it are quiescent (their frames free to go) only then.
                driverThread.join(10_000);
                devicesThread.join(10_000);
            }
            assertEquals(0, failures.size(), () -> "agent failures: " + failures);
            rig.closeAndCheckFrames(idd);
        }
    }
}
