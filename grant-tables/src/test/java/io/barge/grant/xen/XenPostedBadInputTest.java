package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.grant.EndAccessResult;
import io.barge.grant.GrantTable;
import io.barge.grant.SharedRingDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import static io.barge.grant.xen.XenRequestDescriptor.FLAGS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.ID_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.LENGTH_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENTS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENT_COUNT_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receiver-posted direction against hostile peers, both ways: a receiver (front end, {@code b}) posting bad
 * buffers, and a sender (back end, {@code a}) writing bad responses or a bad end. Each attack gets a typed error,
 * breaks at most its own channel (counted on the domain that saw it), and leaves no frame, grant or mapping behind
 * (the fixture checks).
 */
@Timeout(60)
class XenPostedBadInputTest extends XenPostedFixture
{
    private static final int CAPACITY = 4;
    private static final int BUFFER = 2 * PAGE;

    /** The receiver's first post, slot 0, rewritten before the sender took it. */
    private void rewriteFirstPost(final XenPostedChannel channel, final int field, final int value)
    {
        ringPutInt(channel, b, slot(channel, 0) + field, value);
    }

    /**
     * The sender meets the bad post at its claim, or (grant copy: the grant is only used then) at its commit: a
     * protocol violation either way, the message not delivered, the channel broken.
     */
    private void assertRefusedBySender(final XenPostedChannel channel, final String why)
    {
        final Claim claim = channel.sender().newClaim();
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class, () ->
        {
            if (channel.sender().tryClaim(100, claim) == Status.OK)
            {
                fill(claim, 0, 100);
                channel.sender().commit(claim);
            }
        });
        assertTrue(ex.getMessage().contains(why), ex.getMessage());
        assertFalse(claim.isActive(), "nothing claimed stays active");
        assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertEquals(0, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertFalse(channel.isOpen());
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(channel.receiver().newMessage()),
            "the receiver sees the broken channel too");
    }

    private static void roundTrip(final XenPostedChannel other, final long sequence)
    {
        send(other, sequence, 1000);
        other.receiver().release(receive(other, sequence, 1000));
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void postNamingAGrantGivenToAnotherDomainIsRefusedAndOnlyThatChannelBreaks(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        try (XenPostedChannel toC = transport.open(c, b, config(BUFFER, CAPACITY));
             XenPostedChannel victim = transport.open(a, b, config(BUFFER, CAPACITY)))
        {
            // b's buffer in the channel from c is granted to c, not to a.
            rewriteFirstPost(victim, SEGMENTS_OFFSET, bufferRef(toC, 1));
            assertRefusedBySender(victim, mode == GrantMode.PERSISTENT ? "persistent pool" : "ref=");
            roundTrip(toC, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GrantMode.class, names = { "MAP", "COPY" })
    void postOfAReadOnlyGrantIsRefused(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        final int frame = kernel.allocateFrame(b, true);
        int ref = 0;
        GrantTable table = null;
        try (XenPostedChannel channel = transport.open(a, b, config(BUFFER, CAPACITY)))
        {
            // b's table, grown by a few entries: the channel's own use fills it exactly.
            table = transport.hypervisor().setupTable(b, transport.hypervisor().queryTableSize(b) + 8);
            ref = table.grantAccess(a, frame, true);
            rewriteFirstPost(channel, SEGMENTS_OFFSET, ref);
            assertRefusedBySender(channel, "ref=" + ref);
        }
        finally
        {
            if (table != null)
            {
                assertEquals(EndAccessResult.ENDED, table.endAccess(ref), "nothing kept the read-only grant");
            }
            kernel.freeFrame(b, frame);
        }
    }

    @ParameterizedTest
    @CsvSource({
        // mode, field, value, why
        "MAP, " + FLAGS_OFFSET + ", 2, flags",
        "COPY, " + FLAGS_OFFSET + ", 8, flags",
        "PERSISTENT, " + ID_OFFSET + ", 4, outside",
        "MAP, " + ID_OFFSET + ", -1, outside",
        "COPY, " + LENGTH_OFFSET + ", 4096, posted length",
        "PERSISTENT, " + LENGTH_OFFSET + ", 8193, posted length",
        "MAP, " + SEGMENT_COUNT_OFFSET + ", 1, segments",
        "PERSISTENT, " + SEGMENT_COUNT_OFFSET + ", 17, segments",
        "COPY, " + (SEGMENTS_OFFSET + 4) + ", 268435712, offset=256",
        "PERSISTENT, " + (SEGMENTS_OFFSET + 12) + ", 134217728, length=2048",
    })
    void malformedPostIsRefused(final GrantMode mode, final int field, final int value, final String why)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            rewriteFirstPost(channel, field, value);
            assertRefusedBySender(channel, why);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void postRepeatingAnIdStillOutstandingIsRefused(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            // Slot 1 posts buffer 1's pages under buffer 0's id, which the first claim below takes.
            ringPutInt(channel, b, slot(channel, 1) + ID_OFFSET, 0);
            final Claim first = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(64, first));
            assertRefusedBySender(channel, "repeats");
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void rewritingAPostAfterTheSenderCopiedItChangesNothing(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(BUFFER, claim));
            rewriteFirstPost(channel, ID_OFFSET, 3);
            rewriteFirstPost(channel, SEGMENTS_OFFSET, 99_999);
            rewriteFirstPost(channel, SEGMENTS_OFFSET + 8, 7);
            fill(claim, 5, BUFFER);
            channel.sender().commit(claim);
            final Message message = receive(channel, 5, BUFFER);
            channel.receiver().release(message);
            roundTrip(channel, 6);
            assertEquals(0, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertTrue(channel.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void impossibleReqProdBreaksThatRingOnly(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        try (XenPostedChannel victim = transport.open(a, b, config(BUFFER, CAPACITY));
             XenPostedChannel other = transport.open(a, c, config(BUFFER, CAPACITY)))
        {
            ringPutInt(victim, b, SharedRingDescriptor.REQ_PROD_OFFSET, 1000);
            assertRefusedBySender(victim, "req_prod=1000");
            roundTrip(other, 2);
        }
    }

    /** The receiver's checks: a response must name a buffer posted and unanswered, and lie within it. */
    @ParameterizedTest
    @CsvSource({
        // mode, id, status, offset, why
        "MAP, 9, 100, 0, names no posted buffer",
        "COPY, -2, 100, 0, names no posted buffer",
        "PERSISTENT, 2, 0, 0, outside the posted buffer",
        "MAP, 2, 8193, 0, outside the posted buffer",
        "COPY, 2, 100, 8100, outside the posted buffer",
        "PERSISTENT, 2, 100, -1, outside the posted buffer",
        "PERSISTENT, 0, 100, 0, names no posted buffer",
    })
    void badResponseBreaksTheReceiverSideOnly(final GrantMode mode, final int id, final int status,
        final int offset, final String why)
    {
        final XenPostedTransport transport = posted(mode);
        try (XenPostedChannel victim = transport.open(a, b, config(BUFFER, CAPACITY));
             XenPostedChannel other = transport.open(c, b, config(BUFFER, CAPACITY)))
        {
            send(victim, 0, 100);
            final Message held = receive(victim, 0, 100); // buffer 0 is held: answering it again is a repeat
            forgeResponse(victim, 1, id, status, offset);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> victim.receiver().poll(victim.receiver().newMessage()));
            assertTrue(ex.getMessage().contains(why), ex.getMessage());
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(victim.isOpen());
            victim.receiver().release(held);
            roundTrip(other, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void impossibleRspProdBreaksTheReceiverSide(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            ringPutInt(channel, a, SharedRingDescriptor.RSP_PROD_OFFSET, 1000);
            assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void responseWhileTheSenderStillMapsThePageBreaksTheReceiverSide()
    {
        try (XenPostedChannel channel = posted(GrantMode.MAP).open(a, b, config(BUFFER, CAPACITY)))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(64, claim)); // buffer 0 mapped into a
            forgeResponse(channel, 0, 0, 64, 0);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertTrue(ex.getMessage().contains("still mapped"), ex.getMessage());
            assertThrows(ProtocolViolationException.class, () -> channel.sender().commit(claim));
        }
    }

    @ParameterizedTest
    @CsvSource({ "MAP, 4294967301", "COPY, 5", "PERSISTENT, 8589934592" })
    void streamEndNamingAnotherCountIsAViolation(final GrantMode mode, final long word)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            ringPutLong(channel, a, XenRequestDescriptor.STREAM_END_OFFSET, word);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertTrue(ex.getMessage().contains("stream"), ex.getMessage());
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void responseAfterTheEndIsAViolation(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(BUFFER, CAPACITY)))
        {
            send(channel, 0, 300);
            channel.sender().finish();
            channel.receiver().release(receive(channel, 0, 300));
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(message));
            forgeResponse(channel, 1, 2, 10, 0);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(message));
            assertTrue(ex.getMessage().contains("after the end"), ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void receiverThatStopsReleasingBackPressuresOnlyItsOwnSenderAndLosesNothing(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        try (XenPostedChannel stalled = transport.open(a, b, config(BUFFER, CAPACITY));
             XenPostedChannel other = transport.open(a, c, config(BUFFER, CAPACITY)))
        {
            final Message[] held = new Message[CAPACITY];
            for (int i = 0; i < CAPACITY; i++)
            {
                send(stalled, i, 500 + i);
                held[i] = receive(stalled, i, 500 + i);
            }
            final Claim claim = stalled.sender().newClaim();
            for (int round = 0; round < 3; round++)
            {
                assertEquals(Status.BACK_PRESSURED, stalled.sender().tryClaim(64, claim));
                roundTrip(other, round);
            }
            assertEquals(0, stalled.receiver().postedBuffers());
            stalled.receiver().release(held[2]);
            send(stalled, 10, 700);
            stalled.receiver().release(receive(stalled, 10, 700));
            for (final int i : new int[]{ 0, 1, 3 })
            {
                stalled.receiver().release(held[i]);
            }
            assertEquals(CAPACITY, stalled.receiver().postedBuffers());
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void receiverDestroyedWhileTheSenderHoldsClaimsReturnsEverything(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        final XenPostedChannel channel = transport.open(a, b, config(BUFFER, CAPACITY));
        try (XenPostedChannel other = transport.open(a, c, config(BUFFER, CAPACITY)))
        {
            send(channel, 0, 200);
            final Message held = receive(channel, 0, 200);
            final Claim first = channel.sender().newClaim();
            final Claim second = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(BUFFER, first));
            assertEquals(Status.OK, channel.sender().tryClaim(BUFFER, second));
            kernel.destroyDomain(b);
            assertFalse(channel.isOpen());
            assertFalse(held.isHeld() && channel.isOpen());
            assertThrows(ChannelClosedException.class, () -> channel.sender().commit(first));
            assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(64, second));
            roundTrip(other, 1);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void senderDestroyedWithBuffersTakenEndsEveryGrant(final GrantMode mode)
    {
        final XenPostedTransport transport = posted(mode);
        try (XenPostedChannel other = transport.open(c, b, config(BUFFER, CAPACITY)))
        {
            final int othersHandles = transport.hypervisor().liveHandles();
            final int othersGrants = transport.hypervisor().setupTable(b, 2).grantsInUse();
            final XenPostedChannel channel = transport.open(a, b, config(BUFFER, CAPACITY));
            send(channel, 0, 200);
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(BUFFER, claim));
            kernel.destroyDomain(a);
            assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertEquals(othersHandles, transport.hypervisor().liveHandles(), "only the other channel's maps are left");
            assertEquals(othersGrants, transport.hypervisor().setupTable(b, 2).grantsInUse(),
                "every grant of the dead sender's channel ended");
            roundTrip(other, 1);
        }
    }
}
