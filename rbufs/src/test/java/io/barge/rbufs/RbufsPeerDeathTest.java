package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.KillSwitch;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer domain that dies: the surviving end learns of it, never reads a frame it no longer holds (the frames of
 * the dead domain go back to the kernel and a stranger may own them at once), gets a typed error, and every frame
 * of the channel is returned at the death.
 */
@Timeout(30)
class RbufsPeerDeathTest extends RbufsFixture
{
    private static final int MAX = 64;
    private static final int SLOTS = 4;

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void senderDeathClosesTheChannelAndTheReceiverNeverReadsAStrangersFrames(final RbufsChannel.Mode mode)
    {
        final LeakCheck whole = LeakCheck.of(kernel);
        final RbufsChannel other = open(c, b, mode, MAX, SLOTS);
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final Message held = channel.receiver().newMessage();
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, send(channel, claim, MAX, 3));
        assertEquals(Status.OK, send(channel, claim, MAX, 4));
        assertEquals(Status.OK, channel.receiver().poll(held)); // the second IOrec is now known, not yet read
        final int[] reachable = HostilePeer.of(kernel, a).framesWritable();

        kernel.destroyDomain(a);

        assertFalse(channel.isOpen(), "the receiver must learn of the sender's death");
        check.assertNothingLeaked(); // every frame of the channel is back at the death
        // A stranger now owns every free frame, the dead sender's among them, and fills each with a valid-looking
        // control area: DATA IOrecs for half of the second slot (the honest one said all of it).
        final Domain stranger = kernel.createDomain("stranger");
        strangerForgesControlAreas(stranger, FLAG_DATA, reachable);
        final Message message = channel.receiver().newMessage();
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
        assertFalse(message.isHeld());
        // The held message's frames belonged to the dead sender: reading it is a typed fault, never the
        // stranger's bytes; releasing it is allowed and returns nothing twice.
        assertThrows(ProtectionFault.class, () -> held.getByte(0));
        channel.receiver().release(held);
        assertFalse(held.isHeld());
        kernel.destroyDomain(stranger);
        assertWorks(other);
        other.close();
        channel.close();
        whole.assertNothingLeaked();
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void receiverDeathClosesTheChannelAndACommitInFlightFails(final RbufsChannel.Mode mode)
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final int[] reachable = HostilePeer.of(kernel, b).framesWritable();
        final Claim claim = channel.sender().newClaim();
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, b, 1);
        assertEquals(Status.OK, channel.sender().tryClaim(MAX, claim));
        assertTrue(kill.tick()); // dies between the claim and its commit

        assertFalse(channel.isOpen(), "the sender must learn of the receiver's death");
        check.assertNothingLeaked();
        final Domain stranger = kernel.createDomain("stranger");
        strangerForgesControlAreas(stranger, mode == RbufsChannel.Mode.TMM ? FLAG_FREE : FLAG_EMPTY, reachable);
        assertThrows(ChannelClosedException.class, () -> channel.sender().commit(claim),
            "a commit to a dead receiver would be silently lost");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(MAX, channel.sender().newClaim()));
        kernel.destroyDomain(stranger);
        channel.close();
        check.assertNothingLeaked();
    }

    @Test
    void aDeathClosesOnlyTheChannelsOfThatDomain()
    {
        final RbufsChannel ab = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final RbufsChannel ac = open(a, c, RbufsChannel.Mode.RMM, MAX, SLOTS);
        final RbufsChannel ca = open(c, a, RbufsChannel.Mode.TMM, MAX, SLOTS);
        kernel.destroyDomain(b);
        assertFalse(ab.isOpen());
        assertTrue(ac.isOpen());
        assertWorks(ac);
        assertWorks(ca);
        ac.close();
        ca.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    /**
     * A close on another thread while the receiver is inside poll (held there by the hook that runs right after an
     * IOrec is copied) does not wait for the call, and frees nothing the ends reach raw while they may still touch
     * it: the rings and control areas go back only once both ends are quiescent, here at the receiver's next call, which
     * sees the close. (The event channels' ends never called may go at once: they have a deferral of their own.) The
     * wait inside the hook only bounds how long the closer is given to do harm.
     */
    @Test
    void aCloseRacingACallFreesNothingTheEndsReachUntilBothAreQuiescent() throws InterruptedException
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, send(channel, claim, MAX, 5));
        final Thread closer = new Thread(channel::close, "closer");
        final AtomicBoolean releasedInsideTheCall = new AtomicBoolean(true);
        final AtomicBoolean closedInsideTheCall = new AtomicBoolean();
        channel.rbufsReceiver().reader().afterCopy(() ->
        {
            closer.start();
            try
            {
                closer.join(1000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            closedInsideTheCall.set(!closer.isAlive() && !channel.isOpen());
            releasedInsideTheCall.set(channel.isReleased());
        });
        assertEquals(Status.OK, channel.receiver().poll(channel.receiver().newMessage()));
        closer.join(TimeUnit.SECONDS.toMillis(20));
        assertTrue(closedInsideTheCall.get(), "close must not wait for the call in progress");
        assertFalse(releasedInsideTheCall.get(), "frames freed while the receiver was inside poll");
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
        // The receiver's next call saw the close; the sender's last thread is this one, outside any call of it.
        assertTrue(channel.isReleased(), "both ends are quiescent: the frames went back at that call");
        check.assertNothingLeaked();
    }

    /**
     * The sender dies on the receiver's own thread, inside poll (a hook right after the copy): the teardown cannot
     * wait for that call, shuts the end at once and points its views at private zeros; the call finishes without
     * touching a freed frame and the next one is refused.
     */
    @Test
    void aDeathInsideTheSurvivorsOwnCallDoesNotDeadlockAndReturnsEveryFrame()
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, SLOTS);
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), MAX, 5));
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, a, 1);
        channel.rbufsReceiver().reader().afterCopy(kill::tick);
        final Message message = channel.receiver().newMessage();
        channel.receiver().poll(message);
        assertTrue(kill.fired());
        assertFalse(channel.isOpen());
        check.assertNothingLeaked();
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
        if (message.isHeld())
        {
            assertThrows(ProtectionFault.class, () -> message.getByte(0));
            channel.receiver().release(message);
        }
        check.assertNothingLeaked();
    }

    /**
     * Two threads stream; the sender dies at its 200th message while the receiver polls on its own thread. The
     * receiver ends with ChannelClosedException and nothing else (no message read from a stranger's frames: every
     * message it took has the sequence and bytes sent), and every frame is back without anyone calling close.
     */
    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void aSenderDyingMidStreamLeavesTheReceiverAClosedChannelAndNoFrame(final RbufsChannel.Mode mode)
        throws InterruptedException
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final KillSwitch kill = KillSwitch.destroyAfter(kernel, a, 200);
        final AtomicReference<Throwable> senderEnd = new AtomicReference<>();
        final AtomicReference<Throwable> receiverEnd = new AtomicReference<>();
        final Thread receiver = receiving(channel, receiverEnd, new AtomicLong());
        final Thread sender = new Thread(() ->
        {
            final Claim claim = channel.sender().newClaim();
            int sent = 0;
            try
            {
                while (!kill.fired())
                {
                    if (send(channel, claim, MAX, sent) == Status.OK)
                    {
                        sent++;
                        kill.tick();
                    }
                }
            }
            catch (final Throwable ex)
            {
                senderEnd.set(ex);
            }
        }, "sender");
        receiver.start();
        sender.start();
        sender.join(TimeUnit.SECONDS.toMillis(20));
        receiver.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(sender.isAlive() || receiver.isAlive(), "both ends must stop");
        assertEquals(null, senderEnd.get(), "the sender stops at its death, between calls");
        assertInstanceOf(ChannelClosedException.class, receiverEnd.get(), String.valueOf(receiverEnd.get()));
        assertFalse(channel.isOpen());
        check.assertNothingLeaked();
        channel.close();
    }

    /**
     * Both ends stream on their own threads while a third thread closes the channel: each end stops with
     * ChannelClosedException and nothing else (no read of a freed frame shows up as a bad record or message), and
     * every frame is back once both ends have stopped: close never waits for them, and an end is quiescent once its
     * call saw the close or its thread ended.
     */
    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void aCloseFromAThirdThreadStopsBothEndsWithATypedError(final RbufsChannel.Mode mode) throws InterruptedException
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final AtomicReference<Throwable> senderEnd = new AtomicReference<>();
        final AtomicReference<Throwable> receiverEnd = new AtomicReference<>();
        final AtomicLong received = new AtomicLong();
        final Thread receiver = receiving(channel, receiverEnd, received);
        final Thread sender = new Thread(() ->
        {
            final Claim claim = channel.sender().newClaim();
            int sent = 0;
            try
            {
                while (true)
                {
                    if (send(channel, claim, MAX, sent) == Status.OK)
                    {
                        sent++;
                    }
                }
            }
            catch (final Throwable ex)
            {
                senderEnd.set(ex);
            }
        }, "sender");
        receiver.start();
        sender.start();
        while (received.get() < 100 && receiver.isAlive())
        {
            Thread.onSpinWait();
        }
        channel.close();
        sender.join(TimeUnit.SECONDS.toMillis(20));
        receiver.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(sender.isAlive() || receiver.isAlive(), "both ends must stop");
        check.assertNothingLeaked();
        // The sender may be inside its claim, writing the slot, when the close unmaps it: that write faults.
        final Throwable senderError = senderEnd.get();
        assertTrue(senderError instanceof ChannelClosedException || senderError instanceof ProtectionFault,
            String.valueOf(senderError));
        assertInstanceOf(ChannelClosedException.class, receiverEnd.get(), String.valueOf(receiverEnd.get()));
        check.assertNothingLeaked();
    }

    /**
     * @return a thread that polls until its first exception (kept in {@code end}), checking each message's
     *         sequence and bytes, and counting them in {@code received}; a held message may fault once the
     *         channel is closed by the sender's death.
     */
    private static Thread receiving(final RbufsChannel channel, final AtomicReference<Throwable> end,
        final AtomicLong received)
    {
        return new Thread(() ->
        {
            final Message message = channel.receiver().newMessage();
            try
            {
                while (true)
                {
                    if (channel.receiver().poll(message) == Status.OK)
                    {
                        try
                        {
                            assertContent(message, MAX, (int)received.getAndIncrement());
                        }
                        catch (final ProtectionFault fault)
                        {
                            // The sender died while this message was held: its data area is gone, as documented.
                            assertFalse(channel.isOpen(), "a fault on a held message of an open channel");
                        }
                        channel.receiver().release(message);
                    }
                }
            }
            catch (final Throwable ex)
            {
                end.set(ex);
            }
        }, "receiver");
    }

    /**
     * Takes every free frame for the stranger (the dead domain's frames are the stranger's now) and fills each frame
     * the dead domain could write before it died as a control area: a head covering two records and, at every
     * record position, an IOrec with the given flags for the first half of the second slot. An end that still read
     * a frame it lost would take one. The stranger writes through its own page table ({@link HostilePeer}).
     */
    private void strangerForgesControlAreas(final Domain stranger, final int flags, final int[] deadDomainsFrames)
    {
        final int count = kernel.freeFrames();
        final int[] frames = new int[count];
        kernel.allocateFrames(stranger, count, true, frames);
        final int pageSize = memory.frameSize();
        final long va = kernel.reserve(stranger, count);
        for (int i = 0; i < count; i++)
        {
            kernel.map(stranger, va + (long)i * pageSize, frames[i], Rights.READ_WRITE);
        }
        final HostilePeer peer = HostilePeer.of(kernel, stranger);
        final int recordLength = IoRecDescriptor.recordLength(1);
        for (final int frame : deadDomainsFrames)
        {
            peer.putLong(frame, ControlAreaDescriptor.HEAD_OFFSET, 2L * recordLength);
            peer.putLong(frame, ControlAreaDescriptor.TAIL_OFFSET, 0);
            for (int record = ControlAreaDescriptor.HEADER_LENGTH; record + recordLength <= pageSize;
                record += recordLength)
            {
                peer.putLong(frame, record + IoRecDescriptor.COUNT_OFFSET, IoRecDescriptor.header(1, flags));
                peer.putLong(frame, IoRecDescriptor.baseOffset(record, 0), MAX);
                peer.putLong(frame, IoRecDescriptor.lengthOffset(record, 0), MAX / 2);
            }
        }
    }
}
