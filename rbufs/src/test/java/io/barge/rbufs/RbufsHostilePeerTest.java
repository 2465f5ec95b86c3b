package io.barge.rbufs;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.ProtectionFault;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Set;

import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile receiver or a caller mixing up channels: posts of a region already posted or claimed, claims and
 * messages of another channel, and what a violation does to the messages a receiver still holds.
 */
@Timeout(30)
class RbufsHostilePeerTest extends RbufsFixture
{
    private static final int MAX = 64;
    private static final int SLOTS = 8;

    @Test
    void rmmPostOfARegionAlreadyPostedBreaksTheChannelAndNoSlotIsClaimedTwice()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, SLOTS);
        final RbufsChannel other = open(a, c, RbufsChannel.Mode.RMM, MAX, SLOTS);
        // The honest posts of all 8 slots are in the ring; the receiver posts slot 0 three times more.
        final IoRecWriter forger = channel.rbufsReceiver().writer();
        for (int i = 0; i < 3; i++)
        {
            forger.write(FLAG_EMPTY, 0, MAX);
        }
        channel.rbufsReceiver().signal();
        final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
        final Set<Long> claimed = new HashSet<>();
        ProtocolViolationException violation = null;
        for (int i = 0; i < SLOTS + 4 && violation == null; i++)
        {
            final Claim claim = channel.sender().newClaim();
            try
            {
                if (channel.sender().tryClaim(MAX, claim) == Status.OK)
                {
                    assertTrue(claimed.add(claim.address()), "one slot handed to two simultaneous claims: " +
                        claim.address() + " after " + claimed.size() + " claims");
                }
            }
            catch (final ProtocolViolationException ex)
            {
                violation = ex;
            }
        }
        assertEquals(SLOTS, claimed.size());
        assertTrue(violation != null, "the duplicate post must be a protocol violation");
        assertEquals(violations + 1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertFalse(channel.isOpen());
        assertInstanceOf(ProtocolViolationException.class, channel.failure());
        assertWorks(other);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void rmmRepostOfAClaimedRegionBreaksTheChannel()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, 2);
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(MAX, claim));
        final long region = claim.address() - channel.dataArea().ownerAddress();
        channel.rbufsReceiver().writer().write(FLAG_EMPTY, region, MAX); // behind the honest post of the other slot
        channel.rbufsReceiver().signal();
        final Claim second = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(MAX, second));
        assertTrue(second.address() != claim.address());
        assertThrows(ProtocolViolationException.class, () -> channel.sender().tryClaim(MAX,
            channel.sender().newClaim()));
        assertFalse(channel.isOpen());
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void rmmRepostAfterTheMessageWasReleasedIsAccepted()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, 2))
        {
            for (int i = 0; i < 20; i++)
            {
                assertWorks(channel);
            }
            assertEquals(0, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aClaimOfAnotherSenderIsRefusedAndChangesNothing()
    {
        for (final RbufsChannel.Mode mode : RbufsChannel.Mode.values())
        {
            final RbufsChannel mine = open(a, b, mode, MAX, 2);
            final RbufsChannel theirs = open(a, c, mode, MAX, 2);
            final Claim claim = theirs.sender().newClaim();
            assertEquals(Status.OK, theirs.sender().tryClaim(MAX, claim));
            assertThrows(IllegalArgumentException.class, () -> mine.sender().commit(claim), mode.name());
            assertThrows(IllegalArgumentException.class, () -> mine.sender().abort(claim), mode.name());
            assertTrue(claim.isActive(), "the claim must stay active on its own sender");
            assertEquals(Status.EMPTY, mine.receiver().poll(mine.receiver().newMessage()));
            theirs.sender().commit(claim);
            final Message message = theirs.receiver().newMessage();
            assertEquals(Status.OK, theirs.receiver().poll(message));
            theirs.receiver().release(message);
            assertWorks(mine);
            assertWorks(mine);
            assertWorks(mine);
            mine.close();
            theirs.close();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void anInactiveClaimIsRefused()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, 2))
        {
            final Claim claim = channel.sender().newClaim();
            assertThrows(BufferStateException.class, () -> channel.sender().commit(claim));
            assertWorks(channel);
        }
    }

    @Test
    void forwardOfAMessageHeldByAnotherDomainIsRefused()
    {
        // b receives from c; a tries to forward b's message to c. Only b may forward what b holds.
        final RbufsChannel cb = open(c, b, RbufsChannel.Mode.TMM, MAX, 2);
        final RbufsChannel ac = open(a, c, RbufsChannel.Mode.TMM, MAX, 2);
        assertEquals(Status.OK, send(cb, cb.sender().newClaim(), MAX, 9));
        final Message message = cb.receiver().newMessage();
        assertEquals(Status.OK, cb.receiver().poll(message));
        assertThrows(IllegalArgumentException.class, () -> ac.sender().forward(message));
        assertTrue(message.isHeld(), "a refused forward must leave the message with its holder");
        assertEquals(Status.EMPTY, ac.receiver().poll(ac.receiver().newMessage()), "c received b's message");
        assertContent(message, MAX, 9);
        cb.receiver().release(message);
        assertThrows(BufferStateException.class, () -> ac.sender().forward(message));
        assertWorks(ac);
        cb.close();
        ac.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aViolationLeavesHeldMessagesReadableAndACloseMakesThemFault()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), MAX, 21));
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        // A later violation: a head running backwards breaks the channel.
        channel.rbufsSender().counterLink().ownHeader().putLongRelease(ControlAreaDescriptor.HEAD_OFFSET, 8);
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(channel.receiver()
            .newMessage()));
        assertFalse(channel.isOpen());
        assertTrue(held.isHeld());
        assertContent(held, MAX, 21); // still the message it was, not zeros
        channel.close();
        assertTrue(held.isHeld());
        assertThrows(ProtectionFault.class, () -> held.getByte(0), "after close a held message must fault");
        channel.receiver().release(held);
        assertFalse(held.isHeld());
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aCallAfterCloseIsATypedError()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        channel.close();
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(1, channel.sender().newClaim()));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
    }
}
