package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.notify.Waitset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class EventChannelsTest extends GrantFixture
{
    private EventChannels events;
    private int aPort;
    private int bPort;

    @BeforeEach
    void bind()
    {
        events = new EventChannels(kernel, 8);
        aPort = events.allocUnbound(a, b.id());
        bPort = events.bindInterdomain(b, a.id(), aPort);
    }

    @AfterEach
    void closeEvents()
    {
        events.close();
    }

    @Test
    void aNotifyRunsThePeersHandler()
    {
        final AtomicInteger runs = new AtomicInteger();
        events.bindHandler(b, bPort, runs::incrementAndGet);
        assertTrue(events.notify(a, aPort));
        assertTrue(events.notify(a, aPort));
        assertEquals(2, runs.get());
        // A port counts nothing: the ring that decided to notify counts it (XenChannelTest, SharedRingTest).
        assertEquals(0, a.counter(CounterType.NOTIFICATIONS_SENT));
        assertFalse(events.isPending(b, bPort));
        final AtomicInteger back = new AtomicInteger();
        events.bindHandler(a, aPort, back::incrementAndGet);
        assertTrue(events.notify(b, bPort));
        assertEquals(1, back.get(), "both ends can signal");
    }

    @Test
    void anEventRaisedWhileMaskedIsDeliveredOnUnmaskOnce()
    {
        final AtomicInteger runs = new AtomicInteger();
        events.bindHandler(b, bPort, runs::incrementAndGet);
        events.mask(b, bPort);
        events.notify(a, aPort);
        events.notify(a, aPort);
        assertEquals(0, runs.get());
        assertTrue(events.isPending(b, bPort));
        events.unmask(b, bPort);
        assertEquals(1, runs.get(), "pending events coalesce into one delivery");
        assertFalse(events.isPending(b, bPort));
        events.unmask(b, bPort);
        assertEquals(1, runs.get());
    }

    @Test
    void anEventRaisedBeforeAHandlerIsBoundIsDeliveredAtTheBinding()
    {
        events.notify(a, aPort);
        assertTrue(events.isPending(b, bPort));
        final AtomicInteger runs = new AtomicInteger();
        events.bindHandler(b, bPort, runs::incrementAndGet);
        assertEquals(1, runs.get());
    }

    @Test
    void waitsetDeliveryRenewsItselfAndHonoursTheMask()
    {
        final Waitset waitset = new Waitset("b");
        final AtomicInteger runs = new AtomicInteger();
        events.bindWaitset(b, bPort, waitset, runs::incrementAndGet);
        events.notify(a, aPort);
        events.notify(a, aPort);
        assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new org.agrona.concurrent.BusySpinIdleStrategy()));
        assertEquals(1, runs.get());
        assertNull(waitset.tryNextEvent(), "coalesced: one delivery");

        events.notify(a, aPort);
        assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new org.agrona.concurrent.BusySpinIdleStrategy()));
        assertEquals(2, runs.get(), "the registration renewed itself");

        events.mask(b, bPort);
        events.notify(a, aPort);
        assertNull(waitset.tryNextEvent(), "masked: nothing delivered");
        assertTrue(events.isPending(b, bPort));
        events.unmask(b, bPort);
        assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new org.agrona.concurrent.BusySpinIdleStrategy()));
        assertEquals(3, runs.get());
        assertFalse(events.isPending(b, bPort));
    }

    @Test
    void badBindsAndPortsAreRefused()
    {
        final int offered = events.allocUnbound(a, c.id());
        assertThrows(IllegalArgumentException.class, () -> events.bindInterdomain(b, a.id(), offered), "for c");
        assertThrows(IllegalArgumentException.class, () -> events.bindInterdomain(b, a.id(), aPort), "bound");
        assertThrows(IllegalArgumentException.class, () -> events.bindInterdomain(b, a.id(), 0));
        assertThrows(IllegalArgumentException.class, () -> events.bindInterdomain(b, a.id(), 99));
        assertThrows(IllegalArgumentException.class, () -> events.bindInterdomain(b, 999, 1));
        assertThrows(IllegalArgumentException.class, () -> events.notify(b, 5));
        assertThrows(IllegalArgumentException.class, () -> events.notify(c, 1));
        assertThrows(IllegalArgumentException.class, () -> events.mask(b, 0));
        assertFalse(events.notify(a, offered), "unbound: nothing sent");
        assertEquals(0, a.counter(CounterType.NOTIFICATIONS_SENT));
        final int cPort = events.bindInterdomain(c, a.id(), offered);
        assertTrue(events.notify(c, cPort));
    }

    @Test
    void closingOrDyingUnbindsThePeer()
    {
        events.close(b, bPort);
        assertFalse(events.notify(a, aPort));
        assertThrows(IllegalArgumentException.class, () -> events.notify(b, bPort));
        final int again = events.allocUnbound(a, c.id());
        final int cPort = events.bindInterdomain(c, a.id(), again);
        kernel.destroyDomain(c);
        assertFalse(events.notify(a, again), "the peer died");
        assertEquals(0, a.counter(CounterType.NOTIFICATIONS_SENT));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void noEventIsLostWhileAnotherThreadMasksAndUnmasks() throws Exception
    {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong seen = new AtomicLong();
        events.bindHandler(b, bPort, () -> seen.accumulateAndGet(sent.get(), Math::max));
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicInteger done = new AtomicInteger();
        final Thread masker = new Thread(() ->
        {
            final SplittableRandom random = new SplittableRandom(5);
            while (done.get() == 0)
            {
                events.mask(b, bPort);
                for (int i = random.nextInt(50); i > 0; i--)
                {
                    Thread.onSpinWait();
                }
                events.unmask(b, bPort);
            }
        }, "masker");
        masker.start();
        try
        {
            for (long i = 1; i <= 20_000; i++)
            {
                sent.set(i);
                events.notify(a, aPort);
                // A lost event would leave this waiting until the test's timeout.
                while (seen.get() < i)
                {
                    Thread.onSpinWait();
                }
            }
        }
        catch (final Throwable t)
        {
            failure.set(t);
        }
        finally
        {
            done.set(1);
            masker.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertNull(failure.get());
        assertFalse(masker.isAlive());
        assertEquals(20_000, seen.get());
    }
}
