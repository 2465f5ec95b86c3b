package io.barge.core.notify;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.barge.core.notify.WaitsetChannel.State.*;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class WaitsetTest
{
    private final Waitset waitset = new Waitset("test");

    @Test
    void stateMachineOfAnIdleChannel()
    {
        final WaitsetChannel channel = new WaitsetChannel("c");
        final AtomicInteger runs = new AtomicInteger();
        assertEquals(UNREGISTERED, channel.state());
        assertNull(channel.waitset());
        assertFalse(channel.trigger(), "an unregistered channel cannot be triggered");
        channel.register(waitset, () ->
        {
            assertEquals(UNREGISTERED, channel.state(), "unregistered before the handler runs");
            runs.incrementAndGet();
        });
        assertEquals(IDLE, channel.state());
        assertSame(waitset, channel.waitset());
        assertFalse(waitset.poll(), "idle: nothing to run");
        assertTrue(channel.trigger());
        assertEquals(PENDING, channel.state());
        assertFalse(channel.trigger(), "already pending");
        assertEquals(1, waitset.pendingCount());
        assertTrue(waitset.poll());
        assertEquals(1, runs.get());
        assertEquals(UNREGISTERED, channel.state());
        assertFalse(channel.trigger(), "single shot: no second delivery without registering again");
        assertFalse(waitset.poll());
        assertEquals(1, runs.get());
    }

    @Test
    void registeringTwiceIsRefused()
    {
        final WaitsetChannel channel = new WaitsetChannel("c");
        channel.register(waitset, () -> { });
        assertThrows(IllegalStateException.class, () -> channel.register(waitset, () -> { }));
        assertThrows(IllegalStateException.class, () -> channel.registerPolled(waitset, () -> { }, () -> true));
        channel.trigger();
        assertThrows(IllegalStateException.class, () -> channel.register(new Waitset("other"), () -> { }));
    }

    @Test
    void deregisterFromEveryState()
    {
        final AtomicInteger runs = new AtomicInteger();
        final WaitsetChannel channel = new WaitsetChannel("c");
        assertFalse(channel.deregister());

        channel.register(waitset, runs::incrementAndGet);
        assertTrue(channel.deregister());
        assertEquals(UNREGISTERED, channel.state());

        channel.register(waitset, runs::incrementAndGet);
        channel.trigger();
        assertTrue(channel.deregister());
        assertEquals(UNREGISTERED, channel.state());
        assertEquals(0, waitset.pendingCount());

        channel.registerPolled(waitset, runs::incrementAndGet, () -> true);
        assertEquals(POLLED, channel.state());
        assertTrue(channel.deregister());
        assertFalse(waitset.poll());
        assertEquals(0, runs.get());
    }

    @Test
    void polledChannelRunsWhenItsPollerSeesTheEvent()
    {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger runs = new AtomicInteger();
        final WaitsetChannel channel = new WaitsetChannel("p");
        channel.registerPolled(waitset, runs::incrementAndGet, ready::get);
        assertFalse(waitset.poll());
        assertEquals(POLLED, channel.state());
        ready.set(true);
        assertTrue(waitset.poll());
        assertEquals(1, runs.get());
        assertEquals(UNREGISTERED, channel.state());
        assertFalse(waitset.poll(), "single shot even though the poller still says ready");
        channel.registerPolled(waitset, runs::incrementAndGet, ready::get);
        assertTrue(waitset.poll());
        assertEquals(2, runs.get());
    }

    @Test
    void pendingEventsAreDeliveredInTriggerOrder()
    {
        final StringBuilder order = new StringBuilder();
        final WaitsetChannel[] channels = new WaitsetChannel[5];
        for (int i = 0; i < channels.length; i++)
        {
            final int id = i;
            channels[i] = new WaitsetChannel("c" + i);
            channels[i].register(waitset, () -> order.append(id));
        }
        channels[3].trigger();
        channels[1].trigger();
        channels[4].trigger();
        channels[4].deregister();
        channels[0].trigger();
        while (waitset.poll())
        {
            // drain
        }
        assertEquals("310", order.toString());
    }

    @Test
    void pollDoesNotBlockAndTimedDispatchTimesOut()
    {
        assertFalse(waitset.poll());
        assertNull(waitset.tryNextEvent());
        assertFalse(waitset.dispatch(10, TimeUnit.MILLISECONDS, new YieldingIdleStrategy()));
        assertNull(waitset.nextEvent(1, TimeUnit.MILLISECONDS, new YieldingIdleStrategy()));
    }

    @Test
    void blockingDispatchWakesWhenAnotherThreadTriggers() throws Exception
    {
        final WaitsetChannel channel = new WaitsetChannel("c");
        final CountDownLatch ran = new CountDownLatch(1);
        channel.register(waitset, ran::countDown);
        final Thread dispatcher = new Thread(() -> waitset.dispatch(new BackoffIdleStrategy()));
        dispatcher.start();
        assertTrue(channel.trigger());
        assertTrue(ran.await(20, TimeUnit.SECONDS));
        dispatcher.join(20_000);
        assertFalse(dispatcher.isAlive());
    }

    @Test
    void twoDispatchingThreadsDeliverEachEventExactlyOnce() throws Exception
    {
        final int channels = 64;
        final int rounds = 500;
        final int total = channels * rounds;
        final AtomicIntegerArray deliveries = new AtomicIntegerArray(channels);
        final CountDownLatch done = new CountDownLatch(total);
        final WaitsetChannel[] chans = new WaitsetChannel[channels];
        final AtomicInteger inHandler = new AtomicInteger();
        for (int i = 0; i < channels; i++)
        {
            chans[i] = new WaitsetChannel("c" + i);
        }
        final Thread[] dispatchers = new Thread[2];
        for (int t = 0; t < dispatchers.length; t++)
        {
            dispatchers[t] = new Thread(() ->
            {
                final YieldingIdleStrategy idle = new YieldingIdleStrategy();
                while (done.getCount() > 0)
                {
                    waitset.dispatch(1, TimeUnit.MILLISECONDS, idle);
                }
            });
            dispatchers[t].start();
        }
        // The triggering thread re-registers a channel only once its previous event has been delivered.
        final YieldingIdleStrategy idle = new YieldingIdleStrategy();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < channels; i++)
            {
                final int id = i;
                while (chans[i].state() != UNREGISTERED)
                {
                    idle.idle();
                }
                chans[i].register(waitset, () ->
                {
                    inHandler.incrementAndGet();
                    deliveries.incrementAndGet(id);
                    done.countDown();
                });
                assertTrue(chans[i].trigger());
            }
        }
        assertTrue(done.await(20, TimeUnit.SECONDS), "remaining " + done.getCount());
        for (final Thread t : dispatchers)
        {
            t.join(20_000);
        }
        for (int i = 0; i < channels; i++)
        {
            assertEquals(rounds, deliveries.get(i), "channel " + i);
        }
        assertEquals(total, inHandler.get());
        assertFalse(waitset.poll());
    }

    @Test
    void polledChannelIsPolledByOneThreadAtATime() throws Exception
    {
        final AtomicInteger polling = new AtomicInteger();
        final AtomicInteger maxPolling = new AtomicInteger();
        final AtomicInteger polls = new AtomicInteger();
        final int target = 20_000;
        final WaitsetChannel channel = new WaitsetChannel("p");
        channel.registerPolled(waitset, () -> { }, () ->
        {
            final int now = polling.incrementAndGet();
            maxPolling.accumulateAndGet(now, Math::max);
            Thread.onSpinWait();
            polls.incrementAndGet();
            polling.decrementAndGet();
            return false;
        });
        final CountDownLatch finished = new CountDownLatch(2);
        for (int t = 0; t < 2; t++)
        {
            new Thread(() ->
            {
                while (polls.get() < target)
                {
                    waitset.poll();
                }
                finished.countDown();
            }).start();
        }
        assertTrue(finished.await(20, TimeUnit.SECONDS));
        assertEquals(1, maxPolling.get());
        channel.deregister();
    }

    @Test
    void coreAgentDispatchesItsWaitsets()
    {
        try (Core core = new Core("c"))
        {
            final Waitset extra = new Waitset("extra");
            core.addWaitset(extra);
            final AtomicInteger runs = new AtomicInteger();
            final WaitsetChannel c1 = new WaitsetChannel("1");
            final WaitsetChannel c2 = new WaitsetChannel("2");
            c1.register(core.defaultWaitset(), runs::incrementAndGet);
            c2.register(extra, runs::incrementAndGet);
            c1.trigger();
            c2.trigger();
            assertEquals(2, core.doWork());
            assertEquals(0, core.doWork());
            assertEquals(2, runs.get());
        }
    }
}
