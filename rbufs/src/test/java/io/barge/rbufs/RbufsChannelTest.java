package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class RbufsChannelTest extends RbufsFixture
{
    @ParameterizedTest
    @ValueSource(longs = {1, 7, 99, 20261125})
    void randomTrafficArrivesIntactInBothModes(final long seed)
    {
        for (final RbufsChannel.Mode mode : RbufsChannel.Mode.values())
        {
            final SplittableRandom random = new SplittableRandom(seed);
            try (RbufsChannel channel = open(a, b, mode, 3000, 8))
            {
                final Claim claim = channel.sender().newClaim();
                final ArrayDeque<int[]> sent = new ArrayDeque<>();
                final ArrayDeque<Message> held = new ArrayDeque<>();
                int seq = 0;
                for (int step = 0; step < 3000; step++)
                {
                    final int action = random.nextInt(3);
                    if (action == 0)
                    {
                        final int length = random.nextInt(1, 3001);
                        if (send(channel, claim, length, seq) == Status.OK)
                        {
                            sent.add(new int[]{ length, seq });
                        }
                        seq++;
                    }
                    else if (action == 1)
                    {
                        final Message message = channel.receiver().newMessage();
                        if (channel.receiver().poll(message) == Status.OK)
                        {
                            final int[] expect = sent.poll();
                            assertTrue(expect != null, mode + " seed=" + seed + ": message nobody sent");
                            assertContent(message, expect[0], expect[1]);
                            held.add(message);
                        }
                        else
                        {
                            assertTrue(sent.isEmpty(), mode + " seed=" + seed + ": sent but not delivered");
                        }
                    }
                    else if (!held.isEmpty())
                    {
                        channel.receiver().release(held.poll());
                    }
                }
            }
            assertEquals(freeAtStart, kernel.freeFrames(), mode + " seed=" + seed + ": frames leaked");
        }
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void fullChannelBackPressuresWithoutOverwriting(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, 256, 16))
        {
            final Claim claim = channel.sender().newClaim();
            int sent = 0;
            while (send(channel, claim, 256, sent) == Status.OK)
            {
                sent++;
            }
            assertEquals(16, sent, mode + ": messages in flight");
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, claim));
            final Message[] held = new Message[sent];
            for (int i = 0; i < sent; i++)
            {
                held[i] = channel.receiver().newMessage();
                assertEquals(Status.OK, channel.receiver().poll(held[i]));
                assertContent(held[i], 256, i);
            }
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(1, claim),
                mode + ": a held message's region was handed out");
            for (final Message message : held)
            {
                channel.receiver().release(message);
            }
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.EMPTY, channel.receiver().poll(message));
            assertWorks(channel);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void abortReturnsTheRegion(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, 64, 2))
        {
            final Claim first = channel.sender().newClaim();
            final Claim second = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(64, first));
            assertEquals(Status.OK, channel.sender().tryClaim(64, second));
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim(64, channel.sender().newClaim()));
            channel.sender().abort(first);
            channel.sender().abort(second);
            assertWorks(channel);
            assertWorks(channel);
        }
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void receiverCannotWriteTheDataArea(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, 64, 2))
        {
            final Claim claim = channel.sender().newClaim();
            send(channel, claim, 64, 1);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            final long address = message.pieceAddress(0);
            assertThrows(ProtectionFault.class, () -> b.addressSpace().putByte(address, (byte)1));
            assertThrows(ProtectionFault.class, () -> c.addressSpace().getByte(address));
            assertEquals(Access.READ == Access.READ, b.addressSpace().rightsAt(address) == io.barge.core.Rights.READ);
        }
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void teardownWithRegionsOutstandingReturnsEveryFrame(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, 5000, 8);
        assertTrue(kernel.freeFrames() < freeAtStart);
        final Claim claim = channel.sender().newClaim();
        for (int i = 0; i < 5; i++)
        {
            send(channel, claim, 5000, i);
        }
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        assertEquals(Status.OK, channel.sender().tryClaim(100, claim)); // an active claim too
        channel.close();
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames(), mode + ": frames leaked");
        assertFalse(channel.isOpen());
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(1, channel.sender().newClaim()));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(channel.receiver().newMessage()));
        channel.receiver().release(held); // allowed: the message just ends
        assertFalse(held.isHeld());
    }

    @Test
    void destroyedDomainsDoNotBreakTeardown()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 64, 4);
        assertWorks(channel);
        kernel.destroyDomain(b);
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void scatteredFramesFallBackToPerPageRingViews()
    {
        // A scratch domain takes a run and dies: its teardown frees the run in ascending order onto the global free
        // stack (a live domain's frees would stay in its own frame cache), which then hands the frames back
        // descending.
        final Domain scratch = kernel.createDomain("scratch");
        final int[] frames = new int[32];
        kernel.allocateFrames(scratch, frames.length, false, frames);
        kernel.destroyDomain(scratch);
        RbufsChannel.contiguousRings = false;
        // 256 messages in flight: 8 KiB rings, three pages each; 64 B messages keep the data area small.
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 64, 256))
        {
            RbufsChannel.contiguousRings = true;
            assertFalse(channel.rbufsSender().writer().view().isContiguous(), "frames were consecutive after all");
            final Claim claim = channel.sender().newClaim();
            final Message message = channel.receiver().newMessage();
            for (int i = 0; i < 1000; i++) // crosses every page boundary of both rings several times
            {
                assertEquals(Status.OK, send(channel, claim, 64, i));
                assertEquals(Status.OK, channel.receiver().poll(message));
                assertContent(message, 64, i);
                channel.receiver().release(message);
            }
        }
        finally
        {
            RbufsChannel.contiguousRings = true;
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void freshFramesGiveOneContiguousRingView()
    {
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 64, 256))
        {
            assertTrue(channel.rbufsSender().writer().view().isContiguous());
        }
    }

    @Test
    void rejectsSelfChannelAndBadLengths()
    {
        assertThrows(IllegalArgumentException.class, () -> open(a, a, RbufsChannel.Mode.TMM, 64, 2));
        try (RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, 64, 2))
        {
            final Claim claim = channel.sender().newClaim();
            assertThrows(IllegalArgumentException.class, () -> channel.sender().tryClaim(0, claim));
            assertThrows(IllegalArgumentException.class, () -> channel.sender().tryClaim(65, claim));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void forwardCopiesIntoTheNextHopAndReleasesTheInboundMessage(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel first = open(a, b, mode, 3000, 4); RbufsChannel second = open(b, c, mode, 3000, 4))
        {
            final Claim claim = first.sender().newClaim();
            final Message inbound = first.receiver().newMessage();
            final Message outbound = second.receiver().newMessage();
            final long copied = b.counter(io.barge.core.CounterType.BYTES_COPIED);
            for (int i = 0; i < 10; i++)
            {
                assertEquals(Status.OK, send(first, claim, 2500, i));
                assertEquals(Status.OK, first.receiver().poll(inbound));
                assertEquals(Status.OK, second.sender().forward(inbound));
                assertFalse(inbound.isHeld());
                assertEquals(Status.OK, second.receiver().poll(outbound));
                assertContent(outbound, 2500, i);
                second.receiver().release(outbound);
            }
            assertEquals(copied + 25_000, b.counter(io.barge.core.CounterType.BYTES_COPIED));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
