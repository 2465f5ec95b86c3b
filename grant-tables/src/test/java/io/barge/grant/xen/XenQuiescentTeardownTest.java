package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.Message;
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
 * A xen channel's teardown is quiescent-state deferral, not a wait at a gate: what the ends reach raw goes back at
 * once when no end runs on another live thread, and otherwise only once that end is quiescent (its next call sees the
 * channel closed, or its thread ends). A domain's death meanwhile orphans the frames an end may still touch instead
 * of freeing them.
 */
@Timeout(30)
class XenQuiescentTeardownTest extends XenFixture
{
    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aCloseOnTheEndsOwnThreadReturnsEveryFrameAtOnce(final GrantMode mode)
    {
        final int freeAtStart = kernel.freeFrames();
        final XenChannel channel = transport(mode).open(a, b, config(3 * PAGE, 4));
        send(channel, 1, 100);
        final Message held = receive(channel, 1, 100);
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames(), "both ends last ran here: nothing to wait for");
        channel.receiver().release(held); // a release on a closed channel only ends the flyweight
        assertFalse(held.isHeld());
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aCloseWhileTheBackEndsThreadLivesKeepsItsFramesUntilItsNextCall(final GrantMode mode) throws Exception
    {
        final int freeAtStart = kernel.freeFrames();
        final XenChannel channel = transport(mode).open(a, b, config(3 * PAGE, 4));
        send(channel, 1, 100);
        final CountDownLatch polled = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread back = new Thread(() ->
        {
            try
            {
                final Message message = receive(channel, 1, 100);
                polled.countDown();
                assertTrue(go.await(20, TimeUnit.SECONDS), "go");
                channel.receiver().release(message); // sees the close: this end is quiescent now
                assertFalse(message.isHeld());
                assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "xen-back");
        back.start();
        assertTrue(polled.await(20, TimeUnit.SECONDS), "the back end polled on its thread");
        final int freeBeforeClose = kernel.freeFrames();
        channel.close();
        assertFalse(channel.isOpen());
        assertEquals(freeBeforeClose, kernel.freeFrames(),
            "the back end's thread lives and may be inside a call: nothing the ends reach is freed yet");
        assertEquals(a.id(), kernel.ownerOf(channel.ringFrame()), "the ring is still the front end's");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(10, channel.sender().newClaim()),
            "the front end sees the close at once");
        go.countDown();
        back.join(20_000);
        assertFalse(back.isAlive());
        assertNull(failure.get(), () -> "back end thread: " + failure.get());
        assertEquals(freeAtStart, kernel.freeFrames(), "every frame back once the back end saw the close");
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void aFrontEndsDeathOrphansTheFramesTheLiveBackEndMayStillTouch(final GrantMode mode) throws Exception
    {
        final XenChannel channel = transport(mode).open(a, b, config(20 * PAGE, 4)); // indirect pages too
        send(channel, 1, 100);
        final CountDownLatch polled = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread back = new Thread(() ->
        {
            try
            {
                final Message message = receive(channel, 1, 100);
                channel.receiver().release(message);
                polled.countDown();
                assertTrue(go.await(20, TimeUnit.SECONDS), "go");
                assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "xen-back");
        back.start();
        assertTrue(polled.await(20, TimeUnit.SECONDS), "the back end polled on its thread");
        final int ring = channel.ringFrame();
        kernel.destroyDomain(a);
        assertFalse(channel.isOpen());
        assertEquals(kernel.kernelDomain().id(), kernel.ownerOf(ring),
            "the dead front end's ring is an orphan, kept while the back end may still read it");
        go.countDown();
        back.join(20_000);
        assertFalse(back.isAlive());
        assertNull(failure.get(), () -> "back end thread: " + failure.get());
        kernel.freeFrames(); // a count runs the deferred release if the back end's call has not
        assertEquals(-1, kernel.ownerOf(ring), "the orphaned ring was freed once the back end saw the close");
    }
}
