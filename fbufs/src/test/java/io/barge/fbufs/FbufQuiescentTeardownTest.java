package io.barge.fbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An fbufs hop's teardown is quiescent-state deferral, not a wait for the ends to leave their calls: what the ends
 * reach goes back at once when no end runs on another live thread, and otherwise once that end is quiescent (its
 * next call sees the hop closed, or its thread ends). The region pins every fbuf's frames, so an originator's death
 * meanwhile orphans what a live receiver may still read instead of freeing it for reuse.
 */
@Timeout(30)
class FbufQuiescentTeardownTest extends FbufFixture
{
    private static final int LENGTH = 3000;

    @Test
    void aCloseOnTheEndsOwnThreadReturnsEveryFrameAtOnce()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        send(channel, LENGTH, 7);
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        channel.close();
        assertTrue(channel.isReleased(), "both ends last ran here: nothing to wait for");
        assertFalse(held.isHeld(), "the teardown ended the held message");
        channel.receiver().release(held); // a release on a closed hop does nothing more
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void aCloseWhileTheReceiversThreadLivesKeepsTheFramesUntilItsNextCall() throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        send(channel, LENGTH, 7);
        final CountDownLatch polled = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicReference<Boolean> readAfterClose = new AtomicReference<>();
        final Thread receiving = new Thread(() ->
        {
            try
            {
                final Message message = channel.receiver().newMessage();
                assertEquals(Status.OK, channel.receiver().poll(message));
                polled.countDown();
                assertTrue(go.await(20, TimeUnit.SECONDS), "go");
                // Closed on another thread, not yet quiescent here: the held message still reads its own bytes.
                assertContent(message, LENGTH, 7);
                readAfterClose.set(true);
                channel.receiver().release(message); // sees the close: this end is quiescent now
                assertFalse(message.isHeld());
                assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "fbufs-receiving");
        receiving.start();
        assertTrue(polled.await(20, TimeUnit.SECONDS), "the receiver polled on its thread");
        channel.close();
        assertFalse(channel.isOpen());
        assertFalse(channel.isReleased(), "the receiver's thread lives and may be inside a call: nothing is freed");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(10, channel.sender().newClaim()),
            "the sender sees the close at once");
        go.countDown();
        receiving.join(20_000);
        assertFalse(receiving.isAlive());
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        assertEquals(Boolean.TRUE, readAfterClose.get());
        assertTrue(channel.isReleased(), "released by the receiver's call that saw the close");
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void anEndWhoseThreadEndedIsQuiescentAtTheNextCount() throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        final Thread sending = new Thread(() -> send(channel, LENGTH, 3), "fbufs-sending");
        sending.start();
        final CountDownLatch taken = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final CountDownLatch counted = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread receiving = new Thread(() ->
        {
            try
            {
                final Message message = channel.receiver().newMessage();
                sending.join(20_000);
                assertEquals(Status.OK, channel.receiver().poll(message));
                assertContent(message, LENGTH, 3);
                channel.receiver().release(message);
                taken.countDown();
                assertTrue(closed.await(20, TimeUnit.SECONDS), "closed");
                assertTrue(counted.await(20, TimeUnit.SECONDS), "counted"); // alive, not calling, while counted
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "fbufs-receiving");
        receiving.start();
        sending.join(20_000);
        assertFalse(sending.isAlive());
        assertTrue(taken.await(20, TimeUnit.SECONDS), "the receiver took the message on its thread");
        channel.close();
        closed.countDown();
        final int whileAlive = kernel.freeFrames();
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        assertTrue(receiving.isAlive());
        assertFalse(channel.isReleased(), "the receiver's thread lives and called last: its frames wait");
        counted.countDown();
        receiving.join(20_000);
        assertFalse(receiving.isAlive());
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        final int afterItEnded = kernel.freeFrames(); // the count asks the deferral again: that thread has ended
        assertTrue(channel.isReleased(), "an end whose thread ended is quiescent");
        assertTrue(afterItEnded > whileAlive, afterItEnded + " free after, " + whileAlive + " before");
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void anOriginatorsDeathOrphansTheFramesOfAMessageTheLiveReceiverHolds() throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        send(channel, LENGTH, 9);
        final CountDownLatch polled = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long[] address = new long[1];
        final Thread receiving = new Thread(() ->
        {
            try
            {
                final Message message = channel.receiver().newMessage();
                assertEquals(Status.OK, channel.receiver().poll(message));
                address[0] = message.pieceAddress(0);
                polled.countDown();
                assertTrue(go.await(20, TimeUnit.SECONDS), "go");
                assertContent(message, LENGTH, 9); // its frames were orphaned, not freed: the bytes are still there
                channel.receiver().release(message);
                assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "fbufs-receiving");
        receiving.start();
        assertTrue(polled.await(20, TimeUnit.SECONDS), "the receiver polled on its thread");
        final int frame = b.addressSpace().frameAt(address[0]);
        assertEquals(a.id(), kernel.ownerOf(frame), "the originator's fbuf");
        kernel.destroyDomain(a);
        assertFalse(channel.isOpen());
        assertEquals(kernel.kernelDomain().id(), kernel.ownerOf(frame),
            "the dead originator's fbuf is an orphan, kept while the live receiver may still read it");
        go.countDown();
        receiving.join(20_000);
        assertFalse(receiving.isAlive());
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        kernel.freeFrames(); // a count runs the deferred release if the receiver's call has not
        assertTrue(channel.isReleased());
        assertEquals(-1, kernel.ownerOf(frame), "the orphan was freed once the receiver saw the close");
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aCloseWakesAReceiveBlockedOnAnotherThread(final ChannelConfig.Notification notification) throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b,
            new ChannelConfig(4096, 4, notification));
        final AtomicReference<Throwable> ended = new AtomicReference<>();
        final CountDownLatch waiting = new CountDownLatch(1);
        final Thread receiving = new Thread(() ->
        {
            try
            {
                final Message message = channel.receiver().newMessage();
                assertEquals(Status.EMPTY, channel.receiver().poll(message)); // records this thread
                waiting.countDown();
                channel.receiver().receive(message, 60, TimeUnit.SECONDS); // longer than the join below
                ended.set(new AssertionError("receive returned instead of throwing"));
            }
            catch (final Throwable t)
            {
                ended.set(t);
            }
        }, "fbufs-receiving");
        receiving.start();
        assertTrue(waiting.await(20, TimeUnit.SECONDS));
        channel.close(); // the notification channel stays open until the release: the close itself must wake it
        receiving.join(20_000);
        assertFalse(receiving.isAlive(), "the blocked receive was not woken by the close");
        assertTrue(ended.get() instanceof ChannelClosedException, () -> "receive ended with " + ended.get());
        assertTrue(channel.isReleased(), "the woken receive saw the close: its end is quiescent");
        transport.close();
        transport = null;
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }
}
