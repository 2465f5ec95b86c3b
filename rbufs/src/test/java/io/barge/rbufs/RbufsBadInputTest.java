package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each bad input from a peer, one test each: the typed error or rejection, the count, the other channel unharmed,
 * no frame leaked.
 */
@Timeout(30)
class RbufsBadInputTest extends RbufsFixture
{
    private static final int MAX = 64;
    private static final int SLOTS = 4;
    private static final long AREA = (long)MAX * SLOTS;

    // ---- data IOrecs from the originator -------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecWithLengthZeroIsRejected(final RbufsChannel.Mode mode)
    {
        rejectedData(mode, 0, 0);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecWithBaseMinusOneIsRejected(final RbufsChannel.Mode mode)
    {
        rejectedData(mode, -1, 16);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecPastTheEndIsRejected(final RbufsChannel.Mode mode)
    {
        rejectedData(mode, AREA, 16);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecStraddlingTheEndIsRejected(final RbufsChannel.Mode mode)
    {
        rejectedData(mode, AREA - MAX, MAX + 1);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecWhoseBasePlusLengthOverflowsIsRejected(final RbufsChannel.Mode mode)
    {
        rejectedData(mode, MAX, Long.MAX_VALUE - MAX / 2);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void dataIorecExactlyAtTheEndIsAccepted(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, MAX, SLOTS))
        {
            final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
            forgeData(channel, AREA - MAX, MAX);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertEquals(channel.dataArea().addressIn(b) + AREA - MAX, message.pieceAddress(0));
            assertEquals(MAX, message.length());
            message.touch(); // readable: the last byte of the data area is in range
            assertEquals(violations, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void dataIorecLongerInTotalThanTheDataAreaIsRejected()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
            RbufsChannel other = open(a, c, RbufsChannel.Mode.TMM, MAX, SLOTS))
        {
            final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
            final IoRecWriter forger = channel.rbufsSender().writer();
            final int record = forger.claim(IoRecDescriptor.MAX_PAIRS);
            for (int i = 0; i < IoRecDescriptor.MAX_PAIRS; i++)
            {
                forger.putPair(record, i, 0, AREA); // every pair valid alone, the whole area each time
            }
            forger.finish(record, IoRecDescriptor.MAX_PAIRS, FLAG_DATA);
            channel.rbufsSender().signal();
            assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
            assertEquals(violations + 1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertWorks(channel);
            assertWorks(other);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void rmmDataIorecNamingARegionNeverPostedIsRejected()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, SLOTS))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, send(channel, claim, MAX, 1)); // slot taken by a real message
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            final long held = message.pieceAddress(0) - channel.dataArea().addressIn(b);
            final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
            forgeData(channel, held, MAX); // the same region again while the receiver holds it
            forgeData(channel, 8, MAX); // not a slot start
            assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
            assertEquals(violations + 2, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            channel.receiver().release(message);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void peerRewritingAnIorecAfterTheCopyChangesNothing(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, MAX, SLOTS))
        {
            final IoRecWriter writer = channel.rbufsSender().writer();
            final int record = ControlAreaDescriptor.recordOffset(writer.head(), writer.capacity());
            final boolean[] ran = new boolean[1];
            channel.rbufsReceiver().reader().afterCopy(() ->
            {
                // The hostile originator rewrites the record between the consumer's copy and its use.
                writer.view().putLong(record, IoRecDescriptor.header(IoRecDescriptor.MAX_PAIRS, FLAG_DATA));
                writer.view().putLong(IoRecDescriptor.baseOffset(record, 0), -1);
                writer.view().putLong(IoRecDescriptor.lengthOffset(record, 0), Long.MAX_VALUE);
                ran[0] = true;
            });
            assertEquals(Status.OK, send(channel, channel.sender().newClaim(), 40, 9));
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertTrue(ran[0], "the hook did not run");
            assertEquals(1, message.pieceCount());
            assertContent(message, 40, 9);
            channel.rbufsReceiver().reader().afterCopy(null);
            channel.receiver().release(message);
            assertWorks(channel);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    // ---- impossible counters ---------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void headBeyondTheRingSizeBreaksOnlyThatChannel(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final RbufsChannel other = open(a, c, mode, MAX, SLOTS);
        final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
        final int capacity = channel.rbufsSender().writer().capacity();
        channel.rbufsSender().counterLink().publish(capacity + 16, 0);
        assertBrokenOnPoll(channel, other, violations);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void headGoingBackwardsBreaksOnlyThatChannel(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final RbufsChannel other = open(a, c, mode, MAX, SLOTS);
        final Claim claim = channel.sender().newClaim();
        send(channel, claim, MAX, 1);
        send(channel, claim, MAX, 2);
        final Message message = channel.receiver().newMessage();
        for (int i = 0; i < 2; i++) // the receiver has seen the head of two records and read them
        {
            assertEquals(Status.OK, channel.receiver().poll(message));
            channel.receiver().release(message);
        }
        final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
        channel.rbufsSender().counterLink().publish(IoRecDescriptor.recordLength(1), 0);
        assertBrokenOnPoll(channel, other, violations);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void tailBeyondTheHeadBreaksOnlyThatChannel(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final RbufsChannel other = open(a, c, mode, MAX, SLOTS);
        final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
        channel.rbufsReceiver().counterLink().publish(channel.rbufsReceiver().writer().head(), 1 << 20);
        assertBrokenOnSend(channel, other, violations);
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void tailGoingBackwardsBreaksOnlyThatChannel(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final RbufsChannel other = open(a, c, mode, MAX, SLOTS);
        final Claim claim = channel.sender().newClaim();
        send(channel, claim, MAX, 1);
        send(channel, claim, MAX, 2);
        final long head = channel.rbufsReceiver().writer().head();
        channel.rbufsReceiver().counterLink().publish(head, IoRecDescriptor.recordLength(1) * 2L);
        channel.rbufsSender().counterLink().poll(); // the originator has seen the tail past two records
        channel.rbufsReceiver().counterLink().publish(head, IoRecDescriptor.recordLength(1));
        final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
        assertBrokenOnSend(channel, other, violations);
    }

    @Test
    void malformedCounterMessageBreaksTheChannel()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final RbufsChannel other = open(a, c, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
        final var sender = channel.rbufsSender().counterLink().out().sender();
        sender.buffer().putLong(sender.tryClaim(), 0);
        sender.commit(CounterLink.TYPE_COUNTERS, 8);
        assertBrokenOnPoll(channel, other, violations);
    }

    private void assertBrokenOnPoll(final RbufsChannel channel, final RbufsChannel other, final long violations)
    {
        final Message message = channel.receiver().newMessage();
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(message));
        assertFalse(channel.isOpen());
        assertTrue(channel.failure() instanceof ProtocolViolationException);
        assertEquals(violations + 1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(1, channel.sender().newClaim()));
        assertWorks(other);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private void assertBrokenOnSend(final RbufsChannel channel, final RbufsChannel other, final long violations)
    {
        final Claim claim = channel.sender().newClaim();
        assertThrows(ProtocolViolationException.class, () ->
        {
            for (int i = 0; i < SLOTS * 2; i++)
            {
                send(channel, claim, MAX, i);
            }
        });
        assertFalse(channel.isOpen());
        assertEquals(violations + 1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
        assertWorks(other);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    // ---- the free path ---------------------------------------------------------------------------------------

    @Test
    void forgedFreeIorecsAreRejectedAndFreeNothing()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 128, 2))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, send(channel, claim, 100, 1));
            assertEquals(Status.OK, send(channel, claim, 100, 2));
            final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
            final IoRecWriter forger = channel.rbufsReceiver().writer();
            forger.write(FLAG_FREE, 0, 50); // a sent slot, wrong length
            forger.write(FLAG_FREE, 256, 100); // past the slots
            forger.write(FLAG_FREE, 64, 100); // not a slot start
            forger.write(FLAG_FREE, -128, 100); // negative
            channel.rbufsReceiver().signal();
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, claim), "a forged return freed a slot");
            assertEquals(violations + 4, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(0, channel.rbufsSender().freeSlots());
            assertTrue(channel.isOpen());
            drain(channel);
            assertWorks(channel);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void duplicateFreeIorecIsRejectedAndNothingIsFreedTwice()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 128, 2))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, send(channel, claim, 100, 1));
            assertEquals(Status.OK, send(channel, claim, 100, 2));
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            final long base = message.pieceAddress(0) - channel.dataArea().addressIn(b);
            channel.receiver().release(message); // the honest return
            final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
            channel.rbufsReceiver().writer().write(FLAG_FREE, base, 100); // and the same again
            channel.rbufsReceiver().signal();
            assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
            assertEquals(violations + 1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(0, channel.rbufsSender().freeSlots(), "a slot was freed twice");
            final Claim other = channel.sender().newClaim();
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, other));
            channel.sender().abort(claim);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void rmmForgedPostsAreRejectedByTheOriginator()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, SLOTS))
        {
            final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
            final Claim claim = channel.sender().newClaim();
            // Use up the honest posts first so the forged ones are next in the ring.
            for (int i = 0; i < SLOTS; i++)
            {
                assertEquals(Status.OK, send(channel, claim, MAX, i));
            }
            final IoRecWriter forger = channel.rbufsReceiver().writer();
            forger.write(FLAG_EMPTY, -1, MAX);
            forger.write(FLAG_EMPTY, AREA, MAX);
            forger.write(FLAG_EMPTY, 0, MAX - 1); // too small for a message
            channel.rbufsReceiver().signal();
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, claim));
            assertEquals(violations + 3, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            drain(channel);
            assertWorks(channel);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void returnsWaitWhenTheReturnRingIsFullAndNothingIsOverwritten()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, 2))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, send(channel, claim, MAX, 1));
            assertEquals(Status.OK, send(channel, claim, MAX, 2));
            final IoRecWriter returns = channel.rbufsReceiver().writer();
            while (returns.write(FLAG_FREE, AREA * 4, 1)) // junk the originator will reject
            {
                // fill the ring
            }
            channel.rbufsReceiver().signal();
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            channel.receiver().release(message);
            assertEquals(1, channel.rbufsReceiver().pendingReturns(), "the return should wait, not overwrite");
            // The originator reads the junk, acks it because it is stuck, and the waiting return goes out.
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, claim));
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertEquals(0, channel.rbufsReceiver().pendingReturns());
            channel.receiver().release(message);
            assertEquals(Status.OK, send(channel, claim, MAX, 3));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private static void drain(final RbufsChannel channel)
    {
        final Message message = channel.receiver().newMessage();
        while (channel.receiver().poll(message) == Status.OK)
        {
            channel.receiver().release(message);
        }
    }

    private static void forgeData(final RbufsChannel channel, final long base, final long length)
    {
        channel.rbufsSender().writer().write(FLAG_DATA, base, length);
        channel.rbufsSender().signal();
    }

    private void rejectedData(final RbufsChannel.Mode mode, final long base, final long length)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final RbufsChannel other = open(a, c, mode, MAX, SLOTS);
        final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
        forgeData(channel, base, length);
        assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
        assertEquals(violations + 1, b.counter(CounterType.PROTOCOL_VIOLATIONS), "rejection not counted");
        assertTrue(channel.isOpen(), "a rejected IOrec must not break the channel");
        assertWorks(channel);
        assertWorks(other);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
