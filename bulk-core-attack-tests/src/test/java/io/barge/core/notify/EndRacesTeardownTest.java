package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 8, the last item: an end on one thread, caught between its state check and its store when a teardown runs
 * on another thread (a close, or the peer domain's destruction), stores into a frame that is still kept out of
 * reuse, never into one the kernel handed to a stranger domain, and gets {@link ChannelClosedException} at its next
 * call, which returns the frames.
 * <p>
 * Deterministic: the test thread is the end's thread and stops inside the window (after a claim, or inside a
 * receive handler, so before the ack or consumed-count store); the teardown runs on a second live thread, where a
 * stranger domain then takes every free frame and fills it with seeded garbage; the end makes its store. The
 * channel's views are left on the frames at teardown ({@link AbstractNotifyChannel#discardViewsOnTeardown}): that is
 * what the end's thread, having loaded a view's address before the teardown, still stores through. Before the fix
 * the frames were freed at once and the store landed in the stranger's memory.
 */
@Timeout(30)
class EndRacesTeardownTest
{
    private static final long SEED = 0x8EED_0008L;
    private static final long BAD = 0xBAD0_BAD0_BAD0_BAD0L;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private LeakCheck leaks;
    private ExecutorService other;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(128);
        kernel = new Kernel(memory, 1 << 12, 16);
        leaks = LeakCheck.of(kernel);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        other = Executors.newSingleThreadExecutor(r -> new Thread(r, "teardown"));
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        other.shutdownNow();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        kernel.close();
        memory.close();
    }

    /** Runs a teardown on the other (live) thread and waits for it, bounded. */
    private void onOtherThread(final Runnable teardown) throws Exception
    {
        other.submit(teardown).get(10, TimeUnit.SECONDS);
    }

    /** A stranger that takes every free frame and fills it with seeded garbage; checks nobody changed it. */
    private final class Stranger
    {
        final Domain domain = kernel.createDomain("stranger");
        final HostilePeer peer = HostilePeer.of(kernel, domain);
        final int[] frames = new int[kernel.freeFrames()];
        final long[][] contents = new long[frames.length][];

        Stranger()
        {
            final long va = kernel.reserve(domain, frames.length);
            for (int i = 0; i < frames.length; i++)
            {
                frames[i] = kernel.allocateFrame(domain, false);
                kernel.map(domain, va + (long)i * memory.frameSize(), frames[i], Rights.READ_WRITE);
                peer.scribble(frames[i], SEED + i);
                contents[i] = read(frames[i]);
            }
        }

        boolean owns(final int frame)
        {
            return kernel.ownerOf(frame) == domain.id();
        }

        private long[] read(final int frame)
        {
            final long[] words = new long[memory.frameSize() / 8];
            for (int w = 0; w < words.length; w++)
            {
                words[w] = peer.getLong(frame, w * 8);
            }
            return words;
        }

        void assertUntouched()
        {
            for (int i = 0; i < frames.length; i++)
            {
                assertArrayEquals(contents[i], read(frames[i]), "frame " + frames[i] + " of the stranger changed");
            }
        }

        void die()
        {
            kernel.destroyDomain(domain);
        }
    }

    @Test
    void umpSenderStoringAClaimedPayloadAfterItsPeerDiedOnAnotherThreadWritesNoStrangersFrame() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        channel.discardViewsOnTeardown(false);
        final int ringFrame = channel.ringFrame();
        final UmpSender sender = channel.sender();
        final int at = sender.tryClaim(); // state checked: open
        assertTrue(at >= 0);

        final Stranger[] strangers = new Stranger[1];
        onOtherThread(() ->
        {
            kernel.destroyDomain(b);
            strangers[0] = new Stranger(); // a domain elsewhere takes every free frame
        });
        assertFalse(channel.isOpen());
        final Stranger stranger = strangers[0];

        sender.buffer().putLong(at, BAD); // the store that raced the teardown
        stranger.assertUntouched();
        assertFalse(stranger.owns(ringFrame), "the ring went to a stranger while the sender may still store");
        assertEquals(a.id(), kernel.ownerOf(ringFrame), "the ring is kept (pinned) for the sender");

        assertThrows(ChannelClosedException.class, () -> sender.commit(1, 8)); // its next call returns the frames
        assertEquals(-1, kernel.ownerOf(ringFrame), "the commit that saw the teardown freed the ring");
        assertEquals(-1, kernel.ownerOf(channel.ackFrame()), "and the dead receiver's ack page");
        stranger.assertUntouched();
        stranger.die();
        kernel.destroyDomain(a);
        leaks.assertNothingLeaked();
    }

    @Test
    void umpReceiverAcknowledgingAfterAChannelCloseOnAnotherThreadWritesNoStrangersFrame() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8); // ack every 2 messages
        channel.discardViewsOnTeardown(false);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
        for (int i = 0; i < 2; i++)
        {
            src.putLong(0, 100 + i);
            assertEquals(0, channel.sender().offer(1, src, 0, 8));
        }
        final Stranger[] stranger = new Stranger[1];
        final int delivered = channel.receiver().poll((type, buffer, offset, length) ->
        {
            if (buffer.getLong(offset) == 101)
            {
                // Inside poll, after its state check and before the ack store of message 2.
                try
                {
                    onOtherThread(() ->
                    {
                        channel.close();
                        stranger[0] = new Stranger();
                    });
                }
                catch (final Exception ex)
                {
                    throw new AssertionError(ex);
                }
            }
        }, 10);
        assertEquals(2, delivered);
        assertNotNull(stranger[0]);
        stranger[0].assertUntouched();
        assertFalse(stranger[0].owns(channel.ackFrame()), "the ack page went to a stranger before the ack store");

        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 10));
        assertEquals(1, kernel.pinCountOf(channel.ackFrame()), "the sender, on this thread too, still holds it");
        assertThrows(ChannelClosedException.class, channel.sender()::tryClaim);
        assertEquals(-1, kernel.ownerOf(channel.ackFrame()));
        assertEquals(-1, kernel.ownerOf(channel.ringFrame()));
        stranger[0].assertUntouched();
        stranger[0].die();
        leaks.assertNothingLeaked();
    }

    @Test
    void umpReceiverAcknowledgingAfterItsSenderDiedOnAnotherThreadWritesNoStrangersFrame() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        channel.discardViewsOnTeardown(false);
        final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
        // The sender runs on the other thread, which then destroys its domain: its own end is quiescent at once.
        onOtherThread(() ->
        {
            for (int i = 0; i < 2; i++)
            {
                src.putLong(0, 100 + i);
                assertEquals(0, channel.sender().offer(1, src, 0, 8));
            }
        });
        final Stranger[] stranger = new Stranger[1];
        final int delivered = channel.receiver().poll((type, buffer, offset, length) ->
        {
            if (buffer.getLong(offset) == 101)
            {
                try
                {
                    onOtherThread(() ->
                    {
                        kernel.destroyDomain(a);
                        stranger[0] = new Stranger();
                    });
                }
                catch (final Exception ex)
                {
                    throw new AssertionError(ex);
                }
            }
        }, 10);
        assertEquals(2, delivered);
        stranger[0].assertUntouched();
        assertFalse(stranger[0].owns(channel.ackFrame()));
        assertFalse(stranger[0].owns(channel.ringFrame()), "the dead sender's ring is kept for the receiver");
        assertEquals(Kernel.KERNEL_DOMAIN_ID, kernel.ownerOf(channel.ringFrame()), "orphaned, pinned");

        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 10));
        assertEquals(-1, kernel.ownerOf(channel.ringFrame()), "the receiver's next call freed the orphaned ring");
        assertEquals(-1, kernel.ownerOf(channel.ackFrame()));
        stranger[0].assertUntouched();
        stranger[0].die();
        kernel.destroyDomain(b);
        leaks.assertNothingLeaked();
    }

    @Test
    void lmpSenderStoringIntoItsStagingPageAfterAChannelCloseOnAnotherThreadWritesNoStrangersFrame()
        throws Exception
    {
        final LmpChannel channel = Notifications.openLmp(kernel, a, b, 4);
        channel.discardViewsOnTeardown(false);
        final LmpSender sender = channel.sender();
        final int at = sender.tryClaim();
        assertEquals(0, at);

        final Stranger[] strangers = new Stranger[1];
        onOtherThread(() ->
        {
            channel.close();
            strangers[0] = new Stranger();
        });
        final Stranger stranger = strangers[0];
        for (int i = 0; i < NotifySender.MAX_PAYLOAD_LENGTH; i += 8)
        {
            sender.buffer().putLong(at + i, BAD); // into the staging page, after the teardown
        }
        stranger.assertUntouched();
        assertFalse(stranger.owns(channel.endpointFrame()));

        assertThrows(ChannelClosedException.class, () -> sender.commit(1, 8));
        assertEquals(-1, kernel.ownerOf(channel.endpointFrame()), "no end reaches the endpoint any more");
        stranger.assertUntouched();
        stranger.die();
        leaks.assertNothingLeaked();
    }

    @Test
    void lmpReceiverPublishingItsConsumedCountAfterItsSenderDiedOnAnotherThreadWritesNoStrangersFrame()
        throws Exception
    {
        final LmpChannel channel = Notifications.openLmp(kernel, a, b, 4);
        channel.discardViewsOnTeardown(false);
        final int consumerFrame = b.addressSpace().frameAt(channel.receiverConsumerAddress());
        final UnsafeBuffer src = new UnsafeBuffer(new byte[8]);
        src.putLong(0, 7);
        onOtherThread(() -> assertEquals(0, channel.sender().offer(1, src, 0, 8)));
        final Stranger[] stranger = new Stranger[1];
        final int delivered = channel.receiver().poll((type, buffer, offset, length) ->
        {
            // Inside poll, before the consumed-count store.
            try
            {
                onOtherThread(() ->
                {
                    kernel.destroyDomain(a);
                    stranger[0] = new Stranger();
                });
            }
            catch (final Exception ex)
            {
                throw new AssertionError(ex);
            }
        }, 10);
        assertEquals(1, delivered);
        stranger[0].assertUntouched();
        assertEquals(b.id(), kernel.ownerOf(consumerFrame), "the consumer page is kept (pinned) for the receiver");

        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 10));
        stranger[0].assertUntouched();
        assertEquals(-1, kernel.ownerOf(consumerFrame), "the receiver's next call freed it");
        stranger[0].die();
        kernel.destroyDomain(b);
        leaks.assertNothingLeaked();
    }
}
