package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * When a torn-down channel's frames come back ({@link AbstractNotifyChannel}, class comment): at once when nothing
 * can be in flight (a close on the ends' thread, after their threads ended, of ends never used), otherwise at each
 * end's next call on its own thread, and at the latest at {@link Kernel#close()}. Nothing leaks on any path.
 */
@Timeout(30)
class EndFramesReturnTest
{
    private final UnsafeBuffer word = new UnsafeBuffer(new byte[8]);
    private final NotifyHandler ignore = (type, buffer, offset, length) -> { };

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
        other = Executors.newSingleThreadExecutor(r -> new Thread(r, "other"));
    }

    @AfterEach
    void tearDown() throws InterruptedException
    {
        other.shutdownNow();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
        kernel.close();
        memory.close();
    }

    private void onOtherThread(final Runnable action) throws Exception
    {
        other.submit(action).get(10, TimeUnit.SECONDS);
    }

    /** Sends one message and receives it, on the calling thread: both ends record it as theirs. */
    private void exchange(final NotifyChannel channel)
    {
        word.putLong(0, 42);
        assertEquals(0, channel.sender().offer(1, word, 0, 8));
        assertEquals(1, channel.receiver().poll(ignore, 10));
    }

    private void assertStillHeld()
    {
        assertFalse(leaks.differences().isEmpty(), "the frames an end on a live thread reaches must still be held");
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aCloseOnTheEndsOwnThreadReturnsEveryFrameAtOnce(final ChannelConfig.Notification kind)
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        exchange(channel);
        channel.close();
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aCloseAfterTheEndsThreadEndedReturnsEveryFrameAtOnce(final ChannelConfig.Notification kind)
        throws InterruptedException
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        final Thread user = new Thread(() -> exchange(channel), "user");
        user.start();
        user.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(user.isAlive());
        channel.close();
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aCloseOnAnotherThreadOfEndsNeverUsedReturnsEveryFrameAtOnce(final ChannelConfig.Notification kind)
        throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        onOtherThread(channel::close);
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aCloseOnAnotherThreadKeepsTheFramesUntilEachEndsNextCall(final ChannelConfig.Notification kind)
        throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        exchange(channel);
        onOtherThread(channel::close);
        assertStillHeld();

        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(ignore, 10));
        assertStillHeld(); // the sender, on this live thread, may still be storing
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim());
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aQuiescentCloseOnAnotherThreadReturnsEveryFrameAtOnceAndTheEndsStillGetATypedError(
        final ChannelConfig.Notification kind) throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        exchange(channel);
        onOtherThread(channel::closeQuiescent); // the caller's own gate has barred this thread
        leaks.assertNothingLeaked();
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(ignore, 10));
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim());
        leaks.assertNothingLeaked();
    }

    @Test
    void aQuiescentCloseAfterAPlainOneReturnsWhatThePlainOneKept() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        exchange(channel);
        onOtherThread(channel::close);
        assertStillHeld();
        onOtherThread(channel::closeQuiescent);
        leaks.assertNothingLeaked();
    }

    @Test
    void aPeerDestroyedOnTheReceiversThreadLeavesOnlyTheSendersPins() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        word.putLong(0, 1);
        assertEquals(0, channel.sender().offer(1, word, 0, 8));
        onOtherThread(() ->
        {
            assertEquals(1, channel.receiver().poll(ignore, 10));
            kernel.destroyDomain(b); // on the receiver's own thread: its end is quiescent
        });
        assertEquals(1, kernel.pinCountOf(channel.ringFrame()));
        assertEquals(a.id(), kernel.ownerOf(channel.ringFrame()));
        assertEquals(Kernel.KERNEL_DOMAIN_ID, kernel.ownerOf(channel.ackFrame()), "the dead receiver's, orphaned");

        assertFalse(channel.sender().hasRoom()); // a call that sees the teardown, without throwing
        assertEquals(-1, kernel.ownerOf(channel.ringFrame()));
        assertEquals(-1, kernel.ownerOf(channel.ackFrame()));
        kernel.destroyDomain(a);
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aSenderWithAClaimOutstandingKeepsTheFramesUntilItsCommit(final ChannelConfig.Notification kind)
        throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        final NotifySender sender = channel.sender();
        final int at = sender.tryClaim();
        assertTrue(at >= 0);
        onOtherThread(channel::close);
        assertThrows(ChannelClosedException.class, sender::tryClaim);
        assertStillHeld(); // the claimed payload is still the user's to write
        sender.buffer().putLong(at, 5);
        assertThrows(ChannelClosedException.class, () -> sender.commit(1, 8));
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void aReceiveHandlerThatRunsOnceMoreAfterTheCloseReturnsTheReceiversFrames(
        final ChannelConfig.Notification kind) throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        if (channel instanceof LmpChannel)
        {
            ((LmpChannel)channel).synchronous(false);
        }
        exchange(channel);
        final Waitset waitset = new Waitset("rx");
        final int[] closedSeen = { 0 };
        channel.receiver().registerReceive(waitset, () ->
        {
            try
            {
                channel.receiver().poll(ignore, 10);
            }
            catch (final ChannelClosedException expected)
            {
                closedSeen[0]++;
            }
        });
        onOtherThread(channel::close);
        assertStillHeld();
        assertTrue(waitset.poll(), "the handler runs once more");
        assertEquals(1, closedSeen[0]);
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim());
        leaks.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(ChannelConfig.Notification.class)
    void anEndHandedToTheClosingThreadIsQuiescentThere(final ChannelConfig.Notification kind) throws Exception
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, kind, 8);
        onOtherThread(() -> exchange(channel)); // used there first, then handed over by the future's completion
        exchange(channel);
        channel.close();
        leaks.assertNothingLeaked();
    }

    @Test
    void aSurvivorNeverCalledAgainKeepsItsFramesUntilTheKernelCloses() throws Exception
    {
        final UmpChannel channel = Notifications.openUmp(kernel, a, b, 8);
        exchange(channel);
        onOtherThread(() -> kernel.destroyDomain(b));
        assertStillHeld();
        assertEquals(a.id(), kernel.ownerOf(channel.ringFrame()));

        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "the kernel's close returns them");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim()); // nothing left to return
        assertEquals(memory.frameCount(), memory.freeFrames());
    }
}
