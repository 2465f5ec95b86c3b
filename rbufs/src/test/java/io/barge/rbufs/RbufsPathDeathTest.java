package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deaths and closes on an Rbufs path: what comes after the lost hop closes, what comes before goes on, every region
 * goes back to the master, and no frame is left.
 */
@Timeout(30)
class RbufsPathDeathTest extends RbufsFixture
{
    private static final int MAX = 512;
    private static final int SLOTS = 8;

    /**
     * On a 4-hop path d0..d4, six messages: one held by d4, one on hop 3's ring, one held by d3, one on hop 2's
     * ring, one held by d2, one held by d1 (the flyweights of each hop's receiver hold the latest).
     */
    private static Message[] spread(final RbufsPathRig rig)
    {
        final Message[] held = new Message[5];
        for (int i = 0; i < 6; i++)
        {
            assertEquals(Status.OK, rig.send(100, i));
        }
        // Message 0 to d4, held.
        carry(rig, 4);
        held[4] = take(rig, 3);
        // Message 1 forwarded by d3 onto hop 3, not taken.
        carry(rig, 4);
        // Message 2 held by d3.
        carry(rig, 3);
        held[3] = take(rig, 2);
        // Message 3 forwarded by d2 onto hop 2, not taken.
        carry(rig, 3);
        // Message 4 held by d2, message 5 held by d1.
        carry(rig, 2);
        held[2] = take(rig, 1);
        held[1] = take(rig, 0);
        return held;
    }

    /** Carries the oldest message at the source's ring to the ring in front of domain {@code domain}. */
    private static void carry(final RbufsPathRig rig, final int domain)
    {
        for (int hop = 0; hop < domain - 1; hop++)
        {
            final Message message = rig.hops[hop].receiver().newMessage();
            assertEquals(Status.OK, rig.hops[hop].receiver().poll(message), "hop " + hop);
            assertEquals(Status.OK, rig.hops[hop + 1].sender().forward(message), "forward onto " + (hop + 1));
        }
    }

    private static Message take(final RbufsPathRig rig, final int hop)
    {
        final Message message = rig.hops[hop].receiver().newMessage();
        assertEquals(Status.OK, rig.hops[hop].receiver().poll(message), "hop " + hop);
        return message;
    }

    @Test
    void aMiddleHopsDeathClosesWhatFollowsItKeepsWhatPrecedesAndEveryRegionGoesBack()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, MAX, SLOTS))
        {
            final Message[] held = spread(rig);
            assertContent(held[4], 100, 0);
            kernel.destroyDomain(rig.domains[3]);
            assertTrue(rig.hops[0].isOpen() && rig.hops[1].isOpen(), "the hops before the dead one go on");
            assertFalse(rig.hops[2].isOpen() || rig.hops[3].isOpen(), "the dead one's hops and those after close");
            assertThrows(ProtectionFault.class, () -> held[4].getByte(0), "d4 lost the path's area");
            rig.hops[3].receiver().release(held[4]); // may still be given back, which returns nothing
            assertThrows(ChannelClosedException.class, () -> rig.hops[2].sender().forward(held[2]));
            assertContent(held[2], 100, 4);
            // d2 and d1 give back what they hold; every region d2 forwarded was given back for it at the death.
            rig.hops[1].receiver().release(held[2]);
            rig.hops[0].receiver().release(held[1]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
            // The hops before the dead one still carry messages.
            assertEquals(Status.OK, rig.send(77, 9));
            final Message again = take(rig, 0);
            assertEquals(Status.OK, rig.hops[1].sender().forward(again));
            final Message atD2 = take(rig, 1);
            assertContent(atD2, 77, 9);
            rig.hops[1].receiver().release(atD2);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void theSinksDeathClosesOnlyTheLastHop()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, MAX, SLOTS))
        {
            final Message[] held = spread(rig);
            kernel.destroyDomain(rig.domains[4]);
            assertTrue(rig.hops[0].isOpen() && rig.hops[1].isOpen() && rig.hops[2].isOpen());
            assertFalse(rig.hops[3].isOpen());
            for (int d = 3; d >= 1; d--)
            {
                rig.hops[d - 1].receiver().release(held[d]);
            }
            // Message 3 is still on hop 2's ring: d3 takes it and gives it back.
            final Message last = take(rig, 2);
            assertContent(last, 100, 3);
            rig.hops[2].receiver().release(last);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void theMastersDeathClosesThePathAndFreesEveryFrame()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, MAX, SLOTS))
        {
            final Message[] held = spread(rig);
            kernel.destroyDomain(rig.domains[0]);
            for (final RbufsChannel hop : rig.hops)
            {
                assertFalse(hop.isOpen());
            }
            assertThrows(ProtectionFault.class, () -> held[2].getByte(0));
            for (int d = 1; d <= 4; d++)
            {
                rig.hops[d - 1].receiver().release(held[d]);
            }
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void closingAMiddleHopClosesThoseAfterItAndReturnsWhatItCarried()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, MAX, SLOTS))
        {
            final Message[] held = spread(rig);
            rig.hops[2].close();
            assertTrue(rig.hops[0].isOpen() && rig.hops[1].isOpen());
            assertFalse(rig.hops[2].isOpen() || rig.hops[3].isOpen());
            rig.hops[1].receiver().release(held[2]);
            rig.hops[0].receiver().release(held[1]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void closingTheTransportWithMessagesEverywhereFreesEveryFrame()
    {
        final RbufsPathRig rig = new RbufsPathRig(kernel, 8, MAX, SLOTS);
        for (int i = 0; i < SLOTS; i++)
        {
            assertEquals(Status.OK, rig.send(64, i));
        }
        for (int i = 0; i < SLOTS; i++)
        {
            carry(rig, 1 + i % 8); // messages at every hop's ring
        }
        rig.close();
        for (final RbufsChannel hop : rig.hops)
        {
            assertFalse(hop.isOpen());
            assertThrows(ChannelClosedException.class, () -> hop.receiver().poll(hop.receiver().newMessage()));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aDeathDuringTheForwardersOwnCallLeavesTheOrphansToItsNextPoll()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            assertEquals(Status.OK, rig.send(100, 1));
            carry(rig, 3); // on hop 2's ring: d1 and d2 have it out
            assertEquals(Status.OK, rig.send(100, 2));
            carry(rig, 2);
            // d3 dies while d2 is inside its own poll (a hook after it copies a record out): d2's custody cannot be
            // touched under it, so the orphans wait for d2's next poll.
            rig.hops[1].rbufsReceiver().reader().afterCopy(() -> kernel.destroyDomain(rig.domains[3]));
            final Message second = take(rig, 1);
            rig.hops[1].rbufsReceiver().reader().afterCopy(null);
            assertFalse(rig.hops[2].isOpen());
            assertContent(second, 100, 2);
            assertThrows(ChannelClosedException.class, () -> rig.hops[2].sender().forward(second));
            rig.hops[1].receiver().release(second);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
