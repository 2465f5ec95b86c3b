package io.barge.drivers.nic;

import io.barge.core.device.DeviceCounters;
import io.barge.core.notify.Waitset;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interrupts as messages: coalescing by count and by time on a manual clock, a storm bounded per dispatch with
 * nothing lost, NAPI polling that keeps the line in service while work remains.
 */
class NicInterruptTest
{
    @Test
    void completionsRaiseTheLineAtTheCountThresholdOrWhenTheOldestReachesTheTimeThreshold() throws Exception
    {
        try (NicRig rig = new NicRig(1500, 0, new NicConfig(), new NicConfig().coalescing(4, 1_000)))
        {
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            new TrafficGenerator(rig.wire.a().tx(), 64, 3, 0, 1L).doWork();
            rig.nicB.doWork();
            assertEquals(0, raised(receiver), "three completions: below the count threshold");
            rig.clock.advance(999);
            rig.nicB.doWork();
            assertEquals(0, raised(receiver), "the oldest is 999 ns old");
            rig.clock.advance(1);
            rig.nicB.doWork();
            assertEquals(1, raised(receiver), "the oldest reached 1000 ns");
            rig.nicB.doWork();
            assertEquals(1, raised(receiver), "nothing left to signal");

            new TrafficGenerator(rig.wire.a().tx(), 64, 4, 0, 2L).doWork();
            rig.nicB.doWork();
            assertEquals(2, raised(receiver), "four completions raise at once, no time passing");

            new TrafficGenerator(rig.wire.a().tx(), 64, 9, 0, 3L).doWork();
            rig.nicB.doWork();
            assertEquals(3, raised(receiver), "nine completions in one pass: one raise signals them all");
            rig.clock.advance(1_000);
            rig.nicB.doWork();
            assertEquals(3, raised(receiver), "none left over for the timer");
        }
    }

    @Test
    void aStormIsBoundedPerDispatchAndNoRaiseIsLostWhileInService() throws Exception
    {
        try (NicRig rig = new NicRig(1500, 0, new NicConfig(), new NicConfig().budget(1)))
        {
            final int budget = 8;
            final int[] received = new int[1];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 128, NicDriver.Mode.INTERRUPT, budget,
                (b, o, l) -> received[0]++);
            final Waitset waitset = new Waitset("driverB");
            receiver.register(waitset);
            rig.generate(136, 64, 1L);
            for (int i = 0; i < 100; i++)
            {
                rig.nicB.doWork(); // budget 1: one frame and one raise per pass
            }
            assertEquals(100, raised(receiver));
            assertEquals(1, receiver.domain().counter(DeviceCounters.INTERRUPTS_DELIVERED), "one message so far");
            assertEquals(99, receiver.domain().counter(DeviceCounters.INTERRUPTS_COALESCED));

            int dispatches = 0;
            int most = 0;
            while (received[0] < 100 && dispatches < 1000)
            {
                final int before = received[0];
                assertTrue(waitset.poll(), "work pending means an event pending");
                most = Math.max(most, received[0] - before);
                dispatches++;
            }
            assertEquals(100, received[0]);
            assertTrue(most <= budget, "at most the budget per dispatch, saw " + most);
            assertTrue(dispatches >= 100 / budget, "dispatches=" + dispatches);
            while (waitset.poll())
            {
                dispatches++; // the last message (raises folded while in service) finds no work and acks
            }
            assertEquals(100, receiver.interruptEvents(), "every raise delivered, folded or not");
            assertFalse(receiver.line().inService());

            for (int i = 0; i < 36; i++)
            {
                rig.nicB.doWork(); // a second burst after the storm still interrupts
            }
            while (waitset.poll())
            {
                dispatches++;
            }
            assertEquals(136, received[0]);
            assertEquals(136, receiver.interruptEvents());
            assertEquals(raised(receiver), receiver.interruptEvents());
        }
    }

    @Test
    void napiPollingStaysInServiceWhileWorkRemainsAndAcksWhenIdle() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final int budget = 4;
            final int[] received = new int[1];
            final boolean[] sawLineFree = new boolean[1];
            final NicDriver[] holder = new NicDriver[1];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 64, NicDriver.Mode.POLLING, budget,
                (b, o, l) ->
                {
                    received[0]++;
                    sawLineFree[0] |= !holder[0].line().inService();
                });
            holder[0] = receiver;
            final Waitset waitset = new Waitset("driverB");
            receiver.register(waitset);
            new TrafficGenerator(rig.wire.a().tx(), 64, 10, 0, 1L).doWork();
            rig.nicB.doWork();
            assertEquals(1, raised(receiver));

            assertTrue(waitset.poll());
            assertEquals(4, received[0]);
            assertTrue(receiver.line().inService(), "a full budget: stay masked, poll again");
            new TrafficGenerator(rig.wire.a().tx(), 64, 5, 0, 2L).doWork();
            rig.nicB.doWork();
            assertEquals(2, raised(receiver));
            assertEquals(1, receiver.domain().counter(DeviceCounters.INTERRUPTS_COALESCED), "folded while polling");

            int dispatches = 0;
            while (waitset.poll() && dispatches < 100)
            {
                dispatches++;
            }
            assertEquals(15, received[0]);
            assertFalse(sawLineFree[0], "every frame was handled in service (no interrupt per frame)");
            assertFalse(receiver.line().inService(), "idle: acknowledged");
            assertEquals(2, receiver.interruptEvents(), "both raises reached the driver");
            assertEquals(2, receiver.interrupts(), "the raise folded while polling came with the ack, as one message");
        }
    }

    @Test
    void raisesWhileTheDriverMasksTheLineAreKeptAndDeliveredOnUnmask() throws Exception
    {
        try (NicRig rig = new NicRig(1500, 0, new NicConfig(), new NicConfig().budget(1)))
        {
            final int[] received = new int[1];
            final NicDriver receiver = rig.driver(rig.nicB, "driverB", 16, NicDriver.Mode.INTERRUPT, 16,
                (b, o, l) -> received[0]++);
            final Waitset waitset = new Waitset("driverB");
            receiver.register(waitset);
            receiver.line().mask();
            rig.generate(3, 64, 9L);
            for (int i = 0; i < 3; i++)
            {
                rig.nicB.doWork();
            }
            assertEquals(3, raised(receiver));
            assertFalse(waitset.poll(), "masked: no message");
            assertEquals(0, received[0]);
            receiver.line().unmask();
            assertTrue(waitset.poll());
            assertEquals(3, received[0]);
            assertEquals(1, receiver.interrupts(), "one message");
            assertEquals(3, receiver.interruptEvents(), "standing for the three raises");
            assertFalse(receiver.line().inService());
        }
    }

    private static long raised(final NicDriver driver)
    {
        return driver.domain().counter(DeviceCounters.INTERRUPTS_RAISED);
    }
}
