package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8, item 1: channels that are always pending again must not starve the polled channels on the same waitset.
 * Bounds are fixed data here: {@code SWEEP_INTERVAL (16) + channels on the waitset}, as the Waitset Javadoc states.
 */
@Timeout(30)
class WaitsetFairnessTest
{
    private static final int DISPATCHES = 10_000;

    /** A channel that triggers itself again from its handler: pending after every delivery. */
    private static void busy(final WaitsetChannel channel, final Waitset waitset, final AtomicInteger runs)
    {
        final Runnable[] self = new Runnable[1];
        self[0] = () ->
        {
            runs.incrementAndGet();
            channel.register(waitset, self[0]);
            channel.trigger();
        };
        channel.register(waitset, self[0]);
        channel.trigger();
    }

    @ParameterizedTest(name = "{0} busy, {1} polled")
    @CsvSource({ "1, 1, 18", "5, 3, 24", "20, 1, 37" })
    void everyPolledChannelRunsWithinTheBoundWhateverTheBusyOnesDo(
        final int busyCount, final int polledCount, final int bound)
    {
        final Waitset waitset = new Waitset("fair");
        final AtomicInteger busyRuns = new AtomicInteger();
        for (int i = 0; i < busyCount; i++)
        {
            busy(new WaitsetChannel("busy" + i), waitset, busyRuns);
        }
        final int[] lastRun = new int[polledCount];
        final int[] longestWait = new int[polledCount];
        final int[] runs = new int[polledCount];
        final int[] dispatch = { 0 };
        for (int i = 0; i < polledCount; i++)
        {
            final int id = i;
            final WaitsetChannel channel = new WaitsetChannel("polled" + i);
            final Runnable[] self = new Runnable[1];
            self[0] = () ->
            {
                longestWait[id] = Math.max(longestWait[id], dispatch[0] - lastRun[id]);
                lastRun[id] = dispatch[0];
                runs[id]++;
                channel.registerPolled(waitset, self[0], () -> true);
            };
            channel.registerPolled(waitset, self[0], () -> true);
        }
        for (dispatch[0] = 1; dispatch[0] <= DISPATCHES; dispatch[0]++)
        {
            assertTrue(waitset.poll(), "something is always pending");
        }
        for (int i = 0; i < polledCount; i++)
        {
            assertTrue(runs[i] > 0, "polled channel " + i + " never ran in " + DISPATCHES + " dispatches");
            assertTrue(longestWait[i] <= bound, "polled channel " + i + " waited " + longestWait[i] +
                " dispatches, bound " + bound);
            assertTrue(DISPATCHES - lastRun[i] <= bound, "polled channel " + i + " starved at the end");
        }
        assertTrue(busyRuns.get() > DISPATCHES / 2, "the busy channels still get most dispatches: " + busyRuns);
    }

    @Test
    void busyAsynchronousLmpDoesNotStarveUmpOnTheSameWaitset()
    {
        // The scenario: LMP with the synchronous optimisation off, kept busy by its own handler, and one
        // UMP message waiting on the same waitset.
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(256); Kernel kernel = new Kernel(memory))
        {
            final Domain a = kernel.createDomain("a");
            final Domain b = kernel.createDomain("b");
            final Waitset waitset = new Waitset("shared");
            final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
            try (LmpChannel lmp = Notifications.openLmp(kernel, a, b, 4);
                UmpChannel ump = Notifications.openUmp(kernel, a, b, 8))
            {
                lmp.synchronous(false);
                final AtomicInteger lmpDelivered = new AtomicInteger();
                final Runnable[] lmpHandler = new Runnable[1];
                lmpHandler[0] = () ->
                {
                    lmpDelivered.addAndGet(lmp.receiver().poll((t, buf, o, l) -> { }, 100));
                    lmp.receiver().registerReceive(waitset, lmpHandler[0]);
                    src.putLong(0, lmpDelivered.get());
                    lmp.sender().offer(1, src, 0, 8);
                };
                lmp.receiver().registerReceive(waitset, lmpHandler[0]);
                src.putLong(0, 0);
                lmp.sender().offer(1, src, 0, 8);

                final long[] umpGot = { -1 };
                final int[] umpAt = { -1 };
                final int[] dispatch = { 0 };
                ump.receiver().registerReceive(waitset, () ->
                {
                    ump.receiver().poll((t, buf, o, l) -> umpGot[0] = buf.getLong(o), 1);
                    umpAt[0] = dispatch[0];
                });
                src.putLong(0, 4242L);
                ump.sender().offer(2, src, 0, 8);

                for (dispatch[0] = 1; dispatch[0] <= DISPATCHES; dispatch[0]++)
                {
                    assertTrue(waitset.poll());
                }
                assertEquals(4242L, umpGot[0], "UMP message undelivered after " + DISPATCHES + " dispatches while " +
                    "LMP delivered " + lmpDelivered.get());
                assertTrue(umpAt[0] <= 18, "UMP waited " + umpAt[0] + " dispatches, bound 16 + 2 channels");
                assertTrue(lmpDelivered.get() >= DISPATCHES - 1, "LMP kept going: " + lmpDelivered.get());
                lmp.receiver().receiveChannel().deregister();
            }
        }
    }
}
