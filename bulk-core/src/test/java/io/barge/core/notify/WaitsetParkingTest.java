package io.barge.core.notify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The parking dispatches ({@link Waitset#dispatch(long, TimeUnit)}, {@link Waitset#dispatchUntil}) and cancel. */
@Timeout(30)
class WaitsetParkingTest
{
    @Test
    void aParkedDispatcherIsWokenByATriggerFromAnotherThread() throws Exception
    {
        final Waitset waitset = new Waitset("park");
        final WaitsetChannel channel = new WaitsetChannel("idle");
        final AtomicInteger runs = new AtomicInteger();
        channel.register(waitset, runs::incrementAndGet);
        final Thread trigger = new Thread(() ->
        {
            while (!waitset.hasWaiterForTest())
            {
                Thread.onSpinWait();
            }
            channel.trigger();
        });
        trigger.start();
        assertTrue(waitset.dispatch(20, TimeUnit.SECONDS), "the trigger did not wake the dispatcher");
        assertEquals(1, runs.get());
        trigger.join();
        assertFalse(waitset.hasWaiterForTest(), "the dispatcher left itself behind as a waiter");
    }

    @Test
    void dispatchTimesOutWithNothingPendingAndRejectsBadArguments()
    {
        final Waitset waitset = new Waitset("timeout");
        assertFalse(waitset.dispatch(1, TimeUnit.MILLISECONDS));
        assertFalse(waitset.dispatch(0, TimeUnit.MILLISECONDS));
        assertFalse(waitset.dispatchUntil(() -> false, 1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalArgumentException.class, () -> waitset.dispatch(-1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalArgumentException.class, () -> waitset.dispatch(1, null));
        assertThrows(IllegalArgumentException.class, () -> waitset.dispatchUntil(null, 1, TimeUnit.SECONDS));
    }

    @Test
    void dispatchUntilRunsEventsUntilTheConditionHolds()
    {
        final Waitset waitset = new Waitset("until");
        final AtomicInteger runs = new AtomicInteger();
        final WaitsetChannel polled = new WaitsetChannel("polled");
        final Runnable[] again = new Runnable[1];
        again[0] = () ->
        {
            runs.incrementAndGet();
            polled.registerPolled(waitset, again[0], () -> true);
        };
        polled.registerPolled(waitset, again[0], () -> true);
        assertTrue(waitset.dispatchUntil(() -> runs.get() >= 3, 20, TimeUnit.SECONDS));
        assertEquals(3, runs.get());
        assertTrue(polled.cancel());
    }

    @Test
    void cancelDropsAPendingEventAndAllowsRegisteringAgain()
    {
        final Waitset waitset = new Waitset("cancel");
        final WaitsetChannel channel = new WaitsetChannel("c");
        final AtomicInteger runs = new AtomicInteger();
        channel.registerPolled(waitset, runs::incrementAndGet, () -> true);
        channel.trigger();
        assertEquals(1, waitset.pendingCount());
        assertTrue(channel.cancel());
        assertEquals(0, waitset.pendingCount());
        assertFalse(channel.cancel(), "nothing left to cancel");
        assertFalse(waitset.poll(), "the cancelled event ran");
        channel.register(waitset, runs::incrementAndGet);
        channel.trigger();
        assertTrue(waitset.poll());
        assertEquals(1, runs.get());
    }
}
