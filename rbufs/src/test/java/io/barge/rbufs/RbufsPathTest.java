package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Capability;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.Flyweights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rbufs paths (transmit master): the source's data area shared along the path, forwards that copy nothing, regions
 * back to the source hop by hop, and forwards that cannot be zero-copy copying as before.
 */
@Timeout(60)
class RbufsPathTest extends RbufsFixture
{
    private static final int MAX = 4096;
    private static final int SLOTS = 16;

    @Test
    void transmitMasterClaimsZeroCopyForwardAndReceiveMasterDoesNot()
    {
        assertTrue(new RbufsTransport(kernel, null, RbufsChannel.Mode.TMM, NotifyFactory.CORE).capabilities()
            .contains(Capability.ZERO_COPY_FORWARD));
        assertFalse(new RbufsTransport(kernel, null, RbufsChannel.Mode.RMM, NotifyFactory.CORE).capabilities()
            .contains(Capability.ZERO_COPY_FORWARD));
    }

    @ParameterizedTest
    @ValueSource(ints = { 4, 8 })
    void everyByteArrivesUnchangedAndNoForwardingHopCopies(final int hopCount)
    {
        final long seed = 0x5EEDL + hopCount;
        final SplittableRandom random = new SplittableRandom(seed);
        try (RbufsPathRig rig = new RbufsPathRig(kernel, hopCount, MAX, SLOTS))
        {
            final int last = hopCount - 1;
            final long copiedBefore = rig.total(CounterType.BYTES_COPIED);
            final ArrayDeque<int[]> inFlight = new ArrayDeque<>();
            int sent = 0;
            int delivered = 0;
            final int total = 5 * SLOTS;
            while (delivered < total)
            {
                // A few messages in flight at once: bursts of up to half the area, then all of them carried through.
                final int burst = Math.min(total - sent, 1 + random.nextInt(SLOTS / 2));
                for (int i = 0; i < burst; i++)
                {
                    final int length = 1 + random.nextInt(MAX);
                    final int byteSeed = random.nextInt(256);
                    assertEquals(Status.OK, rig.send(length, byteSeed), "seed " + seed + ": send " + sent);
                    inFlight.add(new int[]{ length, byteSeed });
                    sent++;
                }
                for (int i = 0; i < burst; i++)
                {
                    rig.carryToSink();
                }
                while (!inFlight.isEmpty())
                {
                    final int[] expected = inFlight.poll();
                    rig.receive(last);
                    final Message message = rig.messages[last];
                    assertContent(message, expected[0], expected[1]);
                    assertEquals(1, message.pieceCount());
                    final long offset = message.pieceAddress(0) - rig.hops[0].dataArea().addressIn(rig.domains[hopCount]);
                    assertTrue(offset >= 0 && offset < (long)SLOTS * MAX, "seed " + seed + ": the sink reads the " +
                        "source's area itself, offset " + offset);
                    rig.hops[last].receiver().release(message);
                    delivered++;
                }
                rig.settle();
            }
            assertEquals(copiedBefore, rig.total(CounterType.BYTES_COPIED), "seed " + seed + ": no byte copied");
            for (int hop = 1; hop < hopCount; hop++)
            {
                assertEquals(total, rig.hops[hop].rbufsSender().zeroCopyForwards(), "zero-copy forwards on " + hop);
                assertEquals(0, rig.hops[hop].rbufsSender().copiedForwards(), "copied forwards on " + hop);
            }
            assertEquals(0, rig.total(CounterType.PROTOCOL_VIOLATIONS));
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void theMasterIsNeverShortWhenEveryHopPollsOnceAfterEachMessage()
    {
        // One message at a time, as PipelinePath steps them: the returns climb one hop per poll.
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 8, 256, 8))
        {
            for (int m = 0; m < 100; m++)
            {
                int status = rig.send(200, m);
                if (status == Status.BACK_PRESSURED)
                {
                    rig.settle();
                    status = rig.send(200, m);
                }
                assertEquals(Status.OK, status, "message " + m);
                rig.carryToSink();
                rig.receive(7);
                assertContent(rig.messages[7], 200, m);
                rig.hops[7].receiver().release(rig.messages[7]);
            }
            rig.settle();
            rig.assertMasterHasEveryRegion();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aStageThatWritesItsOwnMessageUsesItsHopsAreaAndItsForwardCopies()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            // d1 consumes what it got and writes a message of its own into hop 1's area.
            assertEquals(Status.OK, rig.send(100, 1));
            rig.receive(0);
            rig.hops[0].receiver().release(rig.messages[0]);
            final Claim own = rig.hops[1].sender().newClaim();
            assertEquals(Status.OK, send(rig.hops[1].sender(), own, 300, 9));
            rig.receive(1);
            assertContent(rig.messages[1], 300, 9);
            // d2 forwards it: not a region of the path's area, so it is copied into hop 2's own area, and says so.
            final long copied = rig.domains[2].counter(CounterType.BYTES_COPIED);
            rig.forward(1);
            assertEquals(copied + 300, rig.domains[2].counter(CounterType.BYTES_COPIED));
            assertEquals(1, rig.hops[2].rbufsSender().copiedForwards());
            assertEquals(0, rig.hops[2].rbufsSender().zeroCopyForwards());
            rig.receive(2);
            assertContent(rig.messages[2], 300, 9);
            rig.hops[2].receiver().release(rig.messages[2]);
            rig.settle();
            rig.assertMasterHasEveryRegion();
            for (int i = 0; i < SLOTS; i++)
            {
                assertTrue(send(rig.hops[1].sender(), own, 10, i) == Status.OK, "hop 1's own slot " + i + " is back");
                rig.receive(1);
                rig.hops[1].receiver().release(rig.messages[1]);
            }
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aForwardFromAChannelOffThePathCopies()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 3, MAX, SLOTS))
        {
            // A lone channel a -> d1: d1 forwards its message onto hop 1 of the path.
            final RbufsChannel lone = open(a, rig.domains[1], RbufsChannel.Mode.TMM, MAX, SLOTS);
            final Claim claim = lone.sender().newClaim();
            assertEquals(Status.OK, send(lone, claim, 500, 3));
            final Message message = lone.receiver().newMessage();
            assertEquals(Status.OK, lone.receiver().poll(message));
            assertEquals(Status.OK, rig.hops[1].sender().forward(message));
            assertEquals(1, rig.hops[1].rbufsSender().copiedForwards());
            rig.receive(1);
            assertContent(rig.messages[1], 500, 3);
            rig.hops[1].receiver().release(rig.messages[1]);
            lone.close();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aTwoDomainPathIsALoneChannelAndReceiveMasterPathsAreLoneChannels()
    {
        final RbufsTransport rmm = new RbufsTransport(kernel, null, RbufsChannel.Mode.RMM, NotifyFactory.CORE);
        final ChannelPath hops = rmm.openPath(new ChannelConfig(MAX, SLOTS, ChannelConfig.Notification.UMP), a, b, c);
        final Claim claim = hops.hop(0).sender().newClaim();
        assertEquals(Status.OK, send(hops.hop(0), claim, 64, 5));
        final Message message = hops.hop(0).receiver().newMessage();
        assertEquals(Status.OK, hops.hop(0).receiver().poll(message));
        final long copied = b.counter(CounterType.BYTES_COPIED);
        assertEquals(Status.OK, hops.hop(1).sender().forward(message));
        assertEquals(copied + 64, b.counter(CounterType.BYTES_COPIED), "receive master forwards by copying");
        final Message out = hops.hop(1).receiver().newMessage();
        assertEquals(Status.OK, hops.hop(1).receiver().poll(out));
        assertContent(out, 64, 5);
        hops.hop(1).receiver().release(out);
        rmm.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aHeldMessagesBytesAreTheSourcesAreaNotACopy()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, MAX, SLOTS))
        {
            assertEquals(Status.OK, rig.send(64, 0));
            rig.carryToSink();
            rig.receive(3);
            // The source writes into the region it sent (it is the master and may): the sink sees the write, so
            // the sink reads the very bytes the source wrote, through the read-only mapping of the path.
            final long address = rig.hops[0].dataArea().ownerAddress() +
                (rig.messages[3].pieceAddress(0) - rig.hops[0].dataArea().addressIn(rig.domains[4]));
            rig.domains[0].addressSpace().putByte(address, (byte)0x7E);
            assertEquals((byte)0x7E, rig.messages[3].getByte(0));
            rig.hops[3].receiver().release(rig.messages[3]);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aMiddleDomainWaitingOnItsWaitsetIsWokenByReturnsAndPassesThemUp()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 2, 256, 2))
        {
            final Message[] atSink = { new Message(), new Message() };
            for (int i = 0; i < 2; i++)
            {
                assertEquals(Status.OK, rig.send(100, i));
                rig.carryToSink();
                assertEquals(Status.OK, rig.hops[1].receiver().poll(atSink[i]));
            }
            assertEquals(Status.BACK_PRESSURED, rig.send(100, 2), "the sink holds both regions");
            final Waitset waitset = new Waitset("d1");
            final int[] woken = new int[1];
            rig.hops[0].receiver().register(waitset, () ->
            {
                woken[0]++;
                assertEquals(Status.EMPTY, rig.hops[0].receiver().poll(new Message()));
            });
            assertFalse(waitset.poll(), "nothing to read and nothing returned yet");
            // The sink gives both back to d1: d1, waiting for its inbound hop, must wake to pass them up.
            rig.hops[1].receiver().release(atSink[0]);
            rig.hops[1].receiver().release(atSink[1]);
            assertTrue(waitset.poll(), "d1 is woken by the returns");
            assertEquals(1, woken[0]);
            assertEquals(Status.OK, rig.send(100, 2), "the source has its regions back");
            rig.carryToSink();
            rig.receive(1);
            assertContent(rig.messages[1], 100, 2);
            rig.hops[1].receiver().release(rig.messages[1]);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void steadyStateForwardingAlongAPathAllocatesNothing()
    {
        try (RbufsPathRig rig = new RbufsPathRig(kernel, 4, 256, 16))
        {
            stream(rig, 20_000); // warm-up: class loading, JIT
            final long before = allocatedBytes();
            stream(rig, 20_000);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 20000 messages over 4 hops");
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean())
            .getCurrentThreadAllocatedBytes();
    }

    /** Messages one at a time through the path, with no assertion that builds a string on the way. */
    private static void stream(final RbufsPathRig rig, final int messages)
    {
        final int last = rig.hops.length - 1;
        for (int m = 0; m < messages; m++)
        {
            if (rig.hops[0].sender().tryClaim(64, rig.claim) != Status.OK)
            {
                rig.settle();
                if (rig.hops[0].sender().tryClaim(64, rig.claim) != Status.OK)
                {
                    throw new IllegalStateException("no region back at message " + m);
                }
            }
            rig.claim.putLong(0, m);
            rig.hops[0].sender().commit(rig.claim);
            for (int hop = 0; hop < last; hop++)
            {
                if (rig.hops[hop].receiver().poll(rig.messages[hop]) != Status.OK ||
                    rig.hops[hop + 1].sender().forward(rig.messages[hop]) != Status.OK)
                {
                    throw new IllegalStateException("hop " + hop + " stuck at message " + m);
                }
            }
            if (rig.hops[last].receiver().poll(rig.messages[last]) != Status.OK ||
                rig.messages[last].getLong(0) != m)
            {
                throw new IllegalStateException("message " + m + " did not arrive whole");
            }
            rig.hops[last].receiver().release(rig.messages[last]);
        }
    }

    /** Makes a message flyweight of {@code receiver} naming a range, as a hostile domain's own code could. */
    static Message fabricate(final RbufsChannel hop, final Domain domain, final long address, final int length)
    {
        final Message fake = new Message();
        Flyweights.begin(fake, hop.receiver(), domain.addressSpace(), 0, null, false);
        Flyweights.addPiece(fake, address, length);
        return fake;
    }
}
