package io.barge.fbufs;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cached path whose first allocation happens on the thread that afterwards only receives: its frees must still
 * reach the thread that allocates from then on (they once went to the receiving thread's private magazine, which
 * the sending thread never saw, and the path stalled after 27 messages).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PathOwnerThreadTest extends FbufFixture
{
    private static final int MESSAGES = 500;
    private static final int LENGTH = 3000;

    @Test
    void firstAllocationOnTheReceivingThreadDoesNotStallTheSender() throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        final AtomicBoolean firstAllocated = new AtomicBoolean();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger received = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread receiving = new Thread(() ->
        {
            try
            {
                // The path's first allocation, on this thread; from now on it only receives and releases.
                final Claim claim = channel.sender().newClaim();
                assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
                channel.sender().abort(claim);
                firstAllocated.set(true);
                final Message message = channel.receiver().newMessage();
                final IdleStrategy idle = new BackoffIdleStrategy();
                while (received.get() < MESSAGES && !stop.get())
                {
                    if (channel.receiver().poll(message) != Status.OK)
                    {
                        idle.idle();
                        continue;
                    }
                    idle.reset();
                    assertContent(message, LENGTH, received.get());
                    channel.receiver().release(message);
                    received.incrementAndGet();
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "receiving");
        receiving.start();
        try
        {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            {
                final IdleStrategy idle = new BackoffIdleStrategy();
                while (!firstAllocated.get() && failure.get() == null)
                {
                    idle.idle();
                }
                final Claim claim = channel.sender().newClaim();
                for (int i = 0; i < MESSAGES && failure.get() == null; i++)
                {
                    while (channel.sender().tryClaim(LENGTH, claim) == Status.BACK_PRESSURED)
                    {
                        idle.idle();
                    }
                    idle.reset();
                    for (int j = 0; j < LENGTH; j++)
                    {
                        claim.putByte(j, (byte)(i + j));
                    }
                    channel.sender().commit(claim);
                }
                while (received.get() < MESSAGES && failure.get() == null)
                {
                    idle.idle();
                }
            }, () -> "stalled after " + received.get() + " of " + MESSAGES + " messages");
        }
        finally
        {
            stop.set(true);
            receiving.join(10_000);
        }
        assertFalse(receiving.isAlive(), "receiving thread ended");
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        assertEquals(MESSAGES, received.get());
        // The sender ran on the timeout's thread, which may outlive the call: a call here hands the end back to
        // this thread (the get of that thread's result ordered it), so the teardown finds both ends quiescent.
        final Claim last = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(LENGTH, last));
        channel.sender().abort(last);
        assertEquals(0, transport.region().heldFbufs());
        // The receiving thread's frees were reused, not replaced by fresh fbufs: at most the budget's worth out plus
        // what one magazine can keep (28 one-page fbufs, 32), far below one fbuf per message.
        assertTrue(transport.region().liveFbufs() <= 28 + IoPath.MAGAZINE_SIZE,
            () -> "fbufs holding frames: " + transport.region().liveFbufs());
        assertNoLeak();
    }
}
