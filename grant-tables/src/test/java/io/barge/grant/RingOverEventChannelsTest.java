package io.barge.grant;

import io.barge.core.CounterType;
import io.barge.core.notify.Waitset;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frontend and a backend on two threads over a grant-mapped ring, woken only by event channels through waitsets,
 * using the final-check pattern on both sides: every request is answered in order and nobody sleeps through work
 * (a lost wake-up would hang until the timeout). Each push is either a notification sent or one suppressed.
 */
class RingOverEventChannelsTest extends GrantFixture
{
    private static final int MESSAGES = 20_000;
    private static final int SLOT = 16;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void requestsAndResponsesFlowWithSuppressedNotifications() throws Exception
    {
        final RingFixture shared = new RingFixture(this, a, table, b, 1);
        final FrontRing front = new FrontRing(a, shared.frontView, SLOT);
        final BackRing back = new BackRing(b, shared.backView);
        final EventChannels events = new EventChannels(kernel, 4);
        final int aPort = events.allocUnbound(a, b.id());
        final int bPort = events.bindInterdomain(b, a.id(), aPort);
        final Waitset frontWs = new Waitset("front");
        final Waitset backWs = new Waitset("back");
        final UnsafeBuffer backCopy = new UnsafeBuffer(new byte[SLOT]);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> backFailure = new AtomicReference<>();
        final long[] backPushes = new long[1];

        events.bindWaitset(a, aPort, frontWs, () -> { });
        events.bindWaitset(b, bPort, backWs, () ->
        {
            do
            {
                while (back.copyNextRequest(backCopy, 0))
                {
                    final int off = back.claimResponse();
                    back.buffer().putLong(off, backCopy.getLong(0));
                    back.buffer().putLong(off + 8, backCopy.getLong(8) + 1);
                }
                backPushes[0]++;
                if (back.pushResponsesAndCheckNotify())
                {
                    events.notify(b, bPort);
                }
            }
            while (back.finalCheckForRequests());
        });
        final Thread backend = new Thread(() ->
        {
            try
            {
                final BackoffIdleStrategy idle = new BackoffIdleStrategy();
                while (!stop.get())
                {
                    backWs.dispatch(100, TimeUnit.MILLISECONDS, idle);
                }
            }
            catch (final Throwable t)
            {
                backFailure.set(t);
            }
        }, "backend");
        backend.start();

        final UnsafeBuffer copy = new UnsafeBuffer(new byte[SLOT]);
        final BackoffIdleStrategy idle = new BackoffIdleStrategy();
        long sent = 0;
        long received = 0;
        long frontPushes = 0;
        try
        {
            while (received < MESSAGES)
            {
                while (sent < MESSAGES && front.freeRequests() > 0 && sent - received < 8)
                {
                    final int off = front.claimRequest();
                    front.buffer().putLong(off, sent);
                    front.buffer().putLong(off + 8, sent * 3);
                    sent++;
                }
                frontPushes++;
                if (front.pushRequestsAndCheckNotify())
                {
                    events.notify(a, aPort);
                }
                boolean any = false;
                while (front.copyNextResponse(copy, 0))
                {
                    assertEquals(received, copy.getLong(0));
                    assertEquals(received * 3 + 1, copy.getLong(8));
                    received++;
                    any = true;
                }
                if (!any && !front.finalCheckForResponses())
                {
                    frontWs.dispatch(100, TimeUnit.MILLISECONDS, idle);
                }
            }
        }
        finally
        {
            stop.set(true);
            backend.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertFalse(backend.isAlive());
        assertNull(backFailure.get());
        assertEquals(MESSAGES, received);
        final long aSent = a.counter(CounterType.NOTIFICATIONS_SENT);
        final long aSuppressed = a.counter(CounterType.NOTIFICATIONS_SUPPRESSED);
        final long bSent = b.counter(CounterType.NOTIFICATIONS_SENT);
        final long bSuppressed = b.counter(CounterType.NOTIFICATIONS_SUPPRESSED);
        assertTrue(aSent + aSuppressed <= frontPushes, "each push sends or suppresses at most once");
        assertTrue(bSent + bSuppressed <= backPushes[0]);
        assertTrue(aSent >= 1 && bSent >= 1);
        System.out.printf("ring over event channels, %d messages: front sent %d suppressed %d (%.3f sent/msg), " +
            "back sent %d suppressed %d (%.3f sent/msg)%n", MESSAGES, aSent, aSuppressed, (double)aSent / MESSAGES,
            bSent, bSuppressed, (double)bSent / MESSAGES);
        events.close();
    }
}
