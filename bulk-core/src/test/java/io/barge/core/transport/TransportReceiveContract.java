package io.barge.core.transport;

import io.barge.core.ChannelClosedException;
import io.barge.core.notify.Waitset;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The waiting receive every transport's receiver keeps (issue 15): built on its own single-shot registration, it
 * leaves none behind when it times out, wakes for a message or a close from another thread, and reports the end of
 * stream and a closed channel as a poll does. Run by every {@link TransportContractTest} subclass.
 */
public abstract class TransportReceiveContract extends TransportContractFixture
{
    private static final long LONG_WAIT_SECONDS = 30;

    @Test
    void aTimedOutReceiveLeavesNoRegistrationSoRegisterMayFollow()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Receiver receiver = channel.receiver();
            final Message message = receiver.newMessage();
            assertEquals(Status.EMPTY, receiver.receive(message, 5, TimeUnit.MILLISECONDS));
            assertFalse(receiver.deregister(), "the timed-out receive left a registration behind");
            final Waitset waitset = new Waitset("after-receive");
            final AtomicInteger runs = new AtomicInteger();
            receiver.register(waitset, runs::incrementAndGet);
            assertFalse(waitset.dispatch(0, TimeUnit.MILLISECONDS), "nothing was sent yet");
            sendAll(channel.sender(), 0, 1, 500);
            if (runs.get() == 0) // a synchronous LMP channel ran it already on the sending thread (directed yield)
            {
                assertTrue(waitset.dispatch(LONG_WAIT_SECONDS, TimeUnit.SECONDS), "the message woke no handler");
            }
            assertEquals(1, runs.get());
            assertEquals(Status.OK, receiver.poll(message));
            assertContent(message, 0, "after a timed-out receive");
            receiver.release(message);
            assertEquals(Status.EMPTY, receiver.receive(message, 1, TimeUnit.MILLISECONDS));
            assertEquals(Status.EMPTY, receiver.receive(message, 1, TimeUnit.MILLISECONDS), "and again");
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void aMessageArrivingDuringAReceiveWakesIt() throws Exception
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Receiver receiver = channel.receiver();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            final Thread consumer = start("receive-consumer", outcome, () ->
            {
                final Message message = receiver.newMessage();
                for (int i = 0; i < 3; i++)
                {
                    final int status = receiver.receive(message, LONG_WAIT_SECONDS, TimeUnit.SECONDS);
                    assertEquals(Status.OK, status, "receive " + i);
                    assertContent(message, i, "received while waiting");
                    receiver.release(message);
                }
                return "done";
            });
            for (int i = 0; i < 3; i++)
            {
                awaitParked(consumer);
                sendAll(channel.sender(), i, 1, 900);
            }
            consumer.join(TimeUnit.SECONDS.toMillis(LONG_WAIT_SECONDS * 2));
            assertFalse(consumer.isAlive());
            assertEquals("done", outcome.get(), () -> "consumer ended with " + outcome.get());
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void receiveOnAClosedChannelThrowsChannelClosed()
    {
        final Channel channel = transport.open(a, b, config());
        final Message message = channel.receiver().newMessage();
        channel.close();
        assertThrows(ChannelClosedException.class, () -> channel.receiver().receive(message, 1, TimeUnit.SECONDS));
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void receiveAfterTheEndOfStreamReturnsEndOfStreamForGood() throws Exception
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Receiver receiver = channel.receiver();
            final AtomicReference<Object> outcome = new AtomicReference<>();
            final Thread consumer = start("receive-end", outcome, () ->
            {
                final Message message = receiver.newMessage();
                assertEquals(Status.OK, receiver.receive(message, LONG_WAIT_SECONDS, TimeUnit.SECONDS));
                assertContent(message, 7, "the last message");
                receiver.release(message);
                return receiver.receive(message, LONG_WAIT_SECONDS, TimeUnit.SECONDS);
            });
            awaitParked(consumer);
            sendAll(channel.sender(), 7, 1, 300);
            channel.sender().finish();
            consumer.join(TimeUnit.SECONDS.toMillis(LONG_WAIT_SECONDS * 2));
            assertFalse(consumer.isAlive());
            assertEquals(Status.END_OF_STREAM, outcome.get(), () -> "the waiting receive ended with " + outcome.get());
            final Message message = receiver.newMessage();
            assertEquals(Status.END_OF_STREAM, receiver.receive(message, 0, TimeUnit.SECONDS));
            assertEquals(Status.END_OF_STREAM, receiver.receive(message, 1, TimeUnit.SECONDS), "for good");
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void aReceiveBlockedOnAnotherThreadIsWokenByClose() throws Exception
    {
        final Channel channel = transport.open(a, b, config());
        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread consumer = start("receive-close", outcome,
            () -> channel.receiver().receive(channel.receiver().newMessage(), LONG_WAIT_SECONDS, TimeUnit.SECONDS));
        awaitParked(consumer);
        channel.close();
        consumer.join(TimeUnit.SECONDS.toMillis(LONG_WAIT_SECONDS * 2));
        assertFalse(consumer.isAlive(), "the close did not wake the receive");
        assertInstanceOf(ChannelClosedException.class, outcome.get(), () -> "receive ended with " + outcome.get());
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void timedOutReceivesAllocateNothing()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Receiver receiver = channel.receiver();
            final Message message = receiver.newMessage();
            for (int i = 0; i < 200; i++)
            {
                assertEquals(Status.EMPTY, receiver.receive(message, 1, TimeUnit.MICROSECONDS)); // warm up
            }
            final java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
            final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
            final long id = Thread.currentThread().getId();
            final long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 500; i++)
            {
                receiver.receive(message, 1, TimeUnit.MICROSECONDS);
            }
            final long allocated = threads.getThreadAllocatedBytes(id) - before;
            // Under 8 bytes a call: an object made per call is at least 16; a one-off (a lazily made lock) is not.
            assertTrue(allocated < 500 * 8, transportName() + ": 500 timed-out receives allocated " + allocated +
                " bytes");
        }
    }

    /** Starts a thread that runs {@code body} and leaves its result, or what it threw, in {@code outcome}. */
    private static Thread start(final String name, final AtomicReference<Object> outcome, final Callable<Object> body)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                outcome.set(body.call());
            }
            catch (final Throwable t)
            {
                outcome.set(t);
            }
        }, name);
        thread.start();
        return thread;
    }

    /** Waits until the thread is parked or has ended (a receive that found nothing parks in its waitset). */
    private static void awaitParked(final Thread thread)
    {
        while (thread.isAlive() && thread.getState() != Thread.State.TIMED_WAITING)
        {
            Thread.onSpinWait();
        }
    }

    /** Sends {@code count} messages numbered from {@code first}, each claim expected to succeed. */
    protected static void sendAll(final Sender sender, final int first, final int count, final int length)
    {
        final Claim claim = sender.newClaim();
        for (int i = first; i < first + count; i++)
        {
            assertEquals(Status.OK, sender.tryClaim(length, claim), "send " + i);
            fill(claim, i, length);
            sender.commit(claim);
        }
    }
}
