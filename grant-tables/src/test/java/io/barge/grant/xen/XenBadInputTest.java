package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.ProtectionFault;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.grant.GrantCounters;
import io.barge.grant.GrantTable;
import io.barge.grant.SharedRingDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.barge.grant.xen.XenRequestDescriptor.FLAGS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.ID_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.LENGTH_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENTS_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.SEGMENT_COUNT_OFFSET;
import static io.barge.grant.xen.XenRequestDescriptor.STATUS_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile front end or back end writing the shared ring as the attacker would (the test kit's
 * {@link io.barge.testkit.HostilePeer}): each attack gets a typed error, breaks at most its own channel, and leaves
 * nothing behind (the fixture checks every frame and grant handle after teardown).
 */
@Timeout(60)
class XenBadInputTest extends XenFixture
{
    private static final int CAPACITY = 8;

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void frontEndRewritingARequestAfterTheBackEndCopiedItChangesNothing(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(8 * PAGE, CAPACITY)))
        {
            send(channel, 0, 3 * PAGE + 100);
            final Message message = receive(channel, 0, 3 * PAGE + 100);
            final int slot = slot(channel, 0);
            ringPutInt(channel, a, slot + ID_OFFSET, 6);
            ringPutInt(channel, a, slot + LENGTH_OFFSET, 1);
            ringPutInt(channel, a, slot + SEGMENT_COUNT_OFFSET, 99);
            ringPutInt(channel, a, slot + SEGMENTS_OFFSET, 12345);
            assertContent(message, 0, 3 * PAGE + 100);
            channel.receiver().release(message);
            // The response names the id the back end copied (0), so the front end takes it without complaint.
            assertEquals(0, ringGetInt(channel, slot + ID_OFFSET));
            for (int i = 1; i <= 2 * CAPACITY; i++)
            {
                send(channel, i, 2 * PAGE);
                channel.receiver().release(receive(channel, i, 2 * PAGE));
            }
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(8, claim), "consumes the last response");
            channel.sender().abort(claim);
            assertEquals(CAPACITY, channel.sender().freeBuffers());
            assertTrue(channel.isOpen());
            assertEquals(0, a.counter(CounterType.PROTOCOL_VIOLATIONS) + b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void impossibleReqProdBreaksThatRingOnly(final GrantMode mode)
    {
        final XenTransport transport = transport(mode);
        final XenChannel victim = transport.open(a, b, config(4 * PAGE, CAPACITY));
        try (XenChannel other = transport.open(a, c, config(4 * PAGE, CAPACITY)))
        {
            send(victim, 0, 100);
            final int size = victim.sender().ringSize();
            ringPutInt(victim, a, SharedRingDescriptor.REQ_PROD_OFFSET, 1 + size + 1);
            final Message message = victim.receiver().newMessage();
            assertThrows(ProtocolViolationException.class, () -> victim.receiver().poll(message));
            assertFalse(victim.isOpen());
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(message.isHeld());
            assertThrows(ProtocolViolationException.class, () -> victim.receiver().poll(message), "stays broken");
            assertThrows(ProtocolViolationException.class,
                () -> victim.sender().tryClaim(10, victim.sender().newClaim()));
            for (int i = 0; i < 3 * CAPACITY; i++)
            {
                send(other, i, 3000);
                other.receiver().release(receive(other, i, 3000));
            }
            assertTrue(other.isOpen());
            victim.close();
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void impossibleRspProdBreaksThatRingOnly(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            send(channel, 0, 100);
            final Message held = receive(channel, 0, 100);
            // One request outstanding: a back end claiming five responses is lying.
            ringPutInt(channel, b, SharedRingDescriptor.RSP_PROD_OFFSET, 5);
            final Claim claim = channel.sender().newClaim();
            assertThrows(ProtocolViolationException.class, () -> channel.sender().tryClaim(100, claim));
            assertFalse(claim.isActive());
            assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(channel.isOpen());
            channel.receiver().release(held);
        }
    }

    @Test
    void unknownResponseIdIsAProtocolViolation()
    {
        try (XenChannel channel = transport(GrantMode.MAP).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            send(channel, 0, 2 * PAGE);
            final Message held = receive(channel, 0, 2 * PAGE);
            forgeResponse(channel, 0, CAPACITY + 3);
            final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
                () -> channel.sender().tryClaim(100, channel.sender().newClaim()));
            assertTrue(ex.getMessage().contains("id=" + (CAPACITY + 3)), ex.getMessage());
            assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(channel.isOpen());
            channel.receiver().release(held);
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void repeatedResponseIdIsAProtocolViolation(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            send(channel, 0, PAGE);
            send(channel, 1, PAGE);
            final Message first = receive(channel, 0, PAGE);
            final Message second = receive(channel, 1, PAGE);
            channel.receiver().release(first);
            final int repeated = ringGetInt(channel, slot(channel, 0) + ID_OFFSET);
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(100, claim), "the first response is good");
            channel.sender().abort(claim);
            forgeResponse(channel, 1, repeated);
            assertThrows(ProtocolViolationException.class, () -> channel.sender().tryClaim(100, claim));
            assertEquals(1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            channel.receiver().release(second);
        }
    }

    /** The grant a hostile request names, by case. */
    enum BadGrant
    {
        GRANTED_TO_ANOTHER_DOMAIN, OUT_OF_RANGE, ENDED
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void requestNamingABadGrantIsRefusedWithAnErrorResponse(final GrantMode mode)
    {
        for (final BadGrant bad : BadGrant.values())
        {
            final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
            final long errors = b.counter(GrantCounters.GRANT_ERRORS);
            final XenTransport transport = transport(mode);
            try (XenChannel channel = transport.open(a, b, config(4 * PAGE, CAPACITY)))
            {
                // Room for one grant beyond the channel's own.
                final GrantTable table = transport.hypervisor().setupTable(a,
                    transport.hypervisor().queryTableSize(a) + 1);
                final int frame = kernel.allocateFrame(a, true);
                final long va = kernel.reserve(a, 1);
                kernel.map(a, va, frame, Rights.READ_WRITE);
                final int ref;
                switch (bad)
                {
                    case GRANTED_TO_ANOTHER_DOMAIN:
                        ref = table.grantAccess(c, frame, true);
                        break;
                    case OUT_OF_RANGE:
                        ref = XenTransport.MAX_TABLE_ENTRIES + 7;
                        break;
                    default:
                        ref = table.grantAccess(b, frame, true);
                        table.endAccess(ref);
                        break;
                }
                forgeRequest(channel, 0, 3, ref);
                final Message message = channel.receiver().newMessage();
                final ProtocolViolationException ex =
                    assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(message));
                assertTrue(ex.getMessage().contains("refused"), mode + " " + bad + ": " + ex.getMessage());
                assertFalse(message.isHeld());
                assertEquals(violations + 1, b.counter(CounterType.PROTOCOL_VIOLATIONS), mode + " " + bad);
                assertEquals(errors + 1, b.counter(GrantCounters.GRANT_ERRORS), mode + " " + bad);
                assertEquals(0, channel.receiver().heldMessages());
                // The protocol's error response went back, naming the request.
                assertEquals(1, ringGetInt(channel, SharedRingDescriptor.RSP_PROD_OFFSET));
                assertEquals(3, ringGetInt(channel, slot(channel, 0) + ID_OFFSET));
                assertEquals(XenRequestDescriptor.RSP_ERROR, ringGetInt(channel, slot(channel, 0) + STATUS_OFFSET));
                if (bad == BadGrant.GRANTED_TO_ANOTHER_DOMAIN)
                {
                    table.endAccess(ref);
                }
                channel.close();
                kernel.freeFrame(a, frame);
                kernel.unreserve(a, va, 1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void frontEndThatStopsConsumingResponsesIsBoundedByTheRing(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            final Claim claim = channel.sender().newClaim();
            for (int i = 0; i < CAPACITY; i++)
            {
                send(channel, i, 200);
            }
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(200, claim));
            for (int i = 0; i < CAPACITY; i++)
            {
                channel.receiver().release(receive(channel, i, 200));
            }
            // Every response sits in its request's slot; the back end holds nothing and has nothing more to do.
            assertEquals(CAPACITY, ringGetInt(channel, SharedRingDescriptor.RSP_PROD_OFFSET));
            assertEquals(0, channel.receiver().heldMessages());
            assertEquals(Status.EMPTY, channel.receiver().poll(channel.receiver().newMessage()));
            // A front end that pushes on without consuming is more than a ring ahead: refused, that ring only.
            ringPutInt(channel, a, SharedRingDescriptor.REQ_PROD_OFFSET, CAPACITY + channel.sender().ringSize() + 1);
            assertThrows(ProtocolViolationException.class,
                () -> channel.receiver().poll(channel.receiver().newMessage()));
            assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void frontEndThatResumesConsumingGetsEveryBufferBack(final GrantMode mode)
    {
        try (XenChannel channel = transport(mode).open(a, b, config(4 * PAGE, CAPACITY)))
        {
            for (int i = 0; i < CAPACITY; i++)
            {
                send(channel, i, 200);
            }
            for (int i = 0; i < CAPACITY; i++)
            {
                channel.receiver().release(receive(channel, i, 200));
            }
            assertEquals(0, channel.sender().freeBuffers());
            send(channel, CAPACITY, 200);
            assertEquals(CAPACITY - 1, channel.sender().freeBuffers());
            channel.receiver().release(receive(channel, CAPACITY, 200));
        }
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void frontEndDestroyedWhileTheBackEndMapsItsGrants(final GrantMode mode)
    {
        final XenTransport transport = transport(mode);
        final XenChannel channel = transport.open(a, b, config(4 * PAGE, CAPACITY));
        send(channel, 0, 3 * PAGE);
        send(channel, 1, 100);
        final Message held = receive(channel, 0, 3 * PAGE);
        kernel.destroyDomain(a);
        assertFalse(channel.isOpen());
        assertEquals(0, transport.hypervisor().liveHandles(), "every map of the dead domain's grants is gone");
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
        if (mode != GrantMode.COPY)
        {
            // The pages were the dead front end's: the back end's view of them is gone, not someone else's memory.
            assertThrows(ProtectionFault.class, () -> held.getLong(0));
        }
        channel.receiver().release(held);
        channel.close();
        kernel.destroyDomain(b);
        kernel.destroyDomain(c);
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void backEndDestroyedWithGrantsMappedEndsThemAndReturnsEveryFrame(final GrantMode mode)
    {
        final XenTransport transport = transport(mode);
        final XenChannel channel = transport.open(a, b, config(20 * PAGE, CAPACITY));
        send(channel, 0, 20 * PAGE);
        send(channel, 1, 100);
        final Message held = receive(channel, 0, 20 * PAGE);
        assertTrue(held.isHeld());
        kernel.destroyDomain(b);
        assertFalse(channel.isOpen());
        assertEquals(0, transport.hypervisor().liveHandles());
        assertEquals(0, transport.hypervisor().queryTableSize(a), "every grant ended, the table released");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(10, channel.sender().newClaim()));
        channel.close();
        kernel.destroyDomain(a);
        kernel.destroyDomain(c);
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void backEndKeepingAMappingPastTeardownDefersThatGrantsEnd(final GrantMode mode)
    {
        final XenTransport transport = transport(mode);
        final XenChannel channel = transport.open(a, b, config(4 * PAGE, CAPACITY));
        final int ringFrame = channel.ringFrame();
        // Behind the channel's back, the back end maps the ring page once more.
        final long va = kernel.reserve(b, 1);
        final long handle = transport.hypervisor().mapGrant(b, a.id(), channel.sender().ringRefs()[0], va, true);
        channel.close();
        assertFalse(channel.isOpen());
        assertEquals(a.id(), kernel.ownerOf(ringFrame), "the mapped frame is not freed under the mapping");
        assertEquals(1, transport.hypervisor().liveHandles());
        final int free = kernel.freeFrames();
        transport.hypervisor().unmapGrant(b, handle);
        assertEquals(free + 1, kernel.freeFrames(), "the deferred end completed with the last unmap");
        kernel.unreserve(b, va, 1);
        assertTrue(transport.hypervisor().queryTableSize(a) > 0, "the table waits for the transport's close");
    }

    /** Writes a response as a hostile back end would, into slot {@code index}, and publishes it. */
    private void forgeResponse(final XenChannel channel, final int index, final int id)
    {
        final int slot = slot(channel, index);
        ringPutInt(channel, b, slot + ID_OFFSET, id);
        ringPutInt(channel, b, slot + STATUS_OFFSET, XenRequestDescriptor.RSP_OKAY);
        ringPutInt(channel, b, SharedRingDescriptor.RSP_PROD_OFFSET, index + 1);
    }

    /** Writes a one-segment request naming {@code ref} as a hostile front end would, and publishes it. */
    private void forgeRequest(final XenChannel channel, final int index, final int id, final int ref)
    {
        final int slot = slot(channel, index);
        ringPutInt(channel, a, slot + ID_OFFSET, id);
        ringPutInt(channel, a, slot + FLAGS_OFFSET, 0);
        ringPutInt(channel, a, slot + LENGTH_OFFSET, 100);
        ringPutInt(channel, a, slot + SEGMENT_COUNT_OFFSET, 1);
        ringPutInt(channel, a, slot + SEGMENTS_OFFSET, ref);
        // Offset 0, length 100 (two little-endian shorts).
        ringPutInt(channel, a, slot + SEGMENTS_OFFSET + 4, 100 << 16);
        ringPutInt(channel, a, SharedRingDescriptor.REQ_PROD_OFFSET, index + 1);
    }
}
