package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile forwarders on an Rbufs path: through the API (message flyweights a domain's own code fabricates, naming a
 * region it does not hold, one it forwarded already, or an altered one) and on the wire (IOrecs written straight
 * into its control areas). Each is refused and counted where it is seen; the master's regions are never affected.
 */
@Timeout(30)
class RbufsPathHostileTest extends RbufsFixture
{
    private static final int MAX = 1024;
    private static final int SLOTS = 8;

    private static long offsetIn(final RbufsPathRig rig, final Message message, final int domain)
    {
        return message.pieceAddress(0) - rig.hops[0].dataArea().addressIn(rig.domains[domain]);
    }

    private static ForwardRefusedException refused(final RbufsPathRig rig, final Message fake)
    {
        return assertThrows(ForwardRefusedException.class, () -> rig.hops[1].sender().forward(fake));
    }

    @Test
    void aForwardOfARegionTheForwarderDoesNotHoldIsRefusedAndCounted()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            final long area = rig.hops[0].dataArea().addressIn(d1);
            final long before = d1.counter(CounterType.PROTOCOL_VIOLATIONS);
            // Slot 3 was never sent: d1's code points a flyweight of its hop-0 receiver at it.
            final ForwardRefusedException ex = refused(rig, RbufsPathTest.fabricate(rig.hops[0], d1, area + 3L * MAX, 100));
            assertEquals(ForwardRefusedException.Reason.NOT_HELD, ex.reason());
            assertTrue(ex.getMessage().startsWith("rbufs forward: NOT_HELD"), ex.getMessage());
            assertEquals(before + 1, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(Status.EMPTY, rig.hops[1].receiver().poll(rig.messages[1]), "nothing went on");
            assertTrue(rig.hops[1].isOpen(), "a refusal leaves the channel open");
            // The honest path goes on.
            assertEquals(Status.OK, rig.send(50, 4));
            rig.carryToSink();
            rig.receive(2);
            assertContent(rig.messages[2], 50, 4);
            rig.hops[2].receiver().release(rig.messages[2]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aSecondForwardOfTheSameRegionIsRefusedAndTheSinkGetsItOnce()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            assertEquals(Status.OK, rig.send(200, 8));
            rig.receive(0);
            final long address = rig.messages[0].pieceAddress(0);
            rig.forward(0);
            final ForwardRefusedException ex = refused(rig, RbufsPathTest.fabricate(rig.hops[0], d1, address, 200));
            assertEquals(ForwardRefusedException.Reason.FORWARDED_TWICE, ex.reason());
            assertEquals(1, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            rig.receive(1);
            assertContent(rig.messages[1], 200, 8);
            assertEquals(Status.EMPTY, rig.hops[1].receiver().poll(new Message()), "delivered once");
            rig.hops[1].receiver().release(rig.messages[1]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aForwardOfAnAlteredBaseOrLengthIsRefusedAndTheRealOneStillGoes()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            assertEquals(Status.OK, rig.send(300, 2));
            rig.receive(0);
            final long address = rig.messages[0].pieceAddress(0);
            assertEquals(ForwardRefusedException.Reason.ALTERED,
                refused(rig, RbufsPathTest.fabricate(rig.hops[0], d1, address, 301)).reason());
            assertEquals(ForwardRefusedException.Reason.ALTERED,
                refused(rig, RbufsPathTest.fabricate(rig.hops[0], d1, address, 299)).reason());
            assertEquals(ForwardRefusedException.Reason.ALTERED,
                refused(rig, RbufsPathTest.fabricate(rig.hops[0], d1, address + 64, 236)).reason());
            assertEquals(3, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertTrue(rig.messages[0].isHeld(), "the real message is untouched");
            rig.forward(0);
            rig.receive(1);
            assertContent(rig.messages[1], 300, 2);
            rig.hops[1].receiver().release(rig.messages[1]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void forgedDataRecordsNamingARegionTheReceiverHasOrThatIsMisshapenAreRejectedByTheNextHop()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d2 = rig.domains[2];
            assertEquals(Status.OK, rig.send(100, 1));
            rig.receive(0);
            rig.forward(0);
            rig.receive(1); // d2 holds the region now
            final long held = offsetIn(rig, rig.messages[1], 2);
            // d1 writes records by hand into hop 1's ring: the same region again, one not at a slot's start, one
            // longer than a slot, one straddling from the path's area into hop 1's own, then an honest-looking one.
            final IoRecWriter forger = rig.hops[1].rbufsSender().writer();
            final long pathLength = (long)SLOTS * MAX;
            forger.write(FLAG_DATA, held, 100);
            forger.write(FLAG_DATA, 5L * MAX + 8, 10);
            forger.write(FLAG_DATA, 6L * MAX, MAX + 1);
            forger.write(FLAG_DATA, pathLength - MAX, 2L * MAX);
            rig.hops[1].rbufsSender().signal();
            final Message next = new Message();
            assertEquals(Status.EMPTY, rig.hops[1].receiver().poll(next), "every forged record is rejected");
            assertEquals(4, d2.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertTrue(rig.hops[1].isOpen());
            rig.hops[1].receiver().release(rig.messages[1]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aForgedForwardOfARegionNotHeldComesBackToTheForwarderWhichRefusesItsReturnAndTheMasterIsUnaffected()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            // The source has slot 2 (its only message so far: its first claim is slot 0; take two so slot 1 too).
            assertEquals(Status.OK, rig.send(40, 1));
            rig.receive(0); // d1 holds it and does not forward it
            // d1 writes a record naming a region the source has not sent at all (slot 5): the next hop cannot
            // know what d1 holds, so it accepts the shape ...
            final IoRecWriter forger = rig.hops[1].rbufsSender().writer();
            forger.write(FLAG_DATA, 5L * MAX, 40);
            rig.hops[1].rbufsSender().signal();
            rig.receive(1);
            // ... and gives it back to d1, whose custody says it never handed slot 5 on: refused, counted, nothing
            // goes to the source.
            rig.hops[1].receiver().release(rig.messages[1]);
            rig.settle();
            assertEquals(1, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(0, rig.domains[0].counter(CounterType.PROTOCOL_VIOLATIONS));
            rig.hops[0].receiver().release(rig.messages[0]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void forgedReturnsOfRegionsNotForwardedTwiceOrAlteredAreRefusedByTheHopTheyReach()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            assertEquals(Status.OK, rig.send(100, 1));
            rig.receive(0);
            rig.forward(0);
            rig.receive(1);
            final long offset = offsetIn(rig, rig.messages[1], 2);
            // d2 returns by hand: a region d1 never forwarded, the real one with an altered length, then the real
            // one, then the real one again.
            final IoRecWriter forger = rig.hops[1].rbufsReceiver().writer();
            forger.write(FLAG_FREE, (offset + MAX) % ((long)SLOTS * MAX), 100);
            forger.write(FLAG_FREE, offset, 99);
            forger.write(FLAG_FREE, offset, 100);
            forger.write(FLAG_FREE, offset, 100);
            rig.hops[1].rbufsReceiver().signal();
            assertEquals(Status.EMPTY, rig.hops[0].receiver().poll(rig.messages[0]), "d1 polls: passes returns up");
            assertEquals(3, d1.counter(CounterType.PROTOCOL_VIOLATIONS), "three forged returns refused at d1");
            assertEquals(0, rig.domains[0].counter(CounterType.PROTOCOL_VIOLATIONS), "the source saw one, honest");
            rig.settle();
            rig.assertMasterHasEveryRegion();
            // d2 still holds its message; its own release is now a second return: refused at d1 as well.
            rig.hops[1].receiver().release(rig.messages[1]);
            rig.settle();
            assertEquals(4, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReleaseOfAnAlteredFlyweightGivesNothingBackForIt()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            final Domain d1 = rig.domains[1];
            final long area = rig.hops[0].dataArea().addressIn(d1);
            rig.hops[0].receiver().release(RbufsPathTest.fabricate(rig.hops[0], d1, area + 4L * MAX, 10));
            assertEquals(1, d1.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertFalse(rig.hops[0].rbufsReceiver().inCustody(4));
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
