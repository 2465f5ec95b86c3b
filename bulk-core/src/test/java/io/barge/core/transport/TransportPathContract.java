package io.barge.core.transport;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Paths ({@link Transport#openPath}, {@link ChannelPath}) and the waiting calls ({@link Sender#awaitClaim}, the
 * timed {@code tryClaim} and {@code forward}, {@link Receiver#transferTo}) on every transport. Run by every
 * {@link TransportContractTest} subclass.
 */
@Timeout(60)
public abstract class TransportPathContract extends TransportResponsesContract
{
    @Test
    void aPathOfFewerThanTwoDomainsOrARepeatedOneIsRefusedAndTakesNothing()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> transport.openPath(config(), a)).getMessage()
            .contains("at least 2 domains, got 1"));
        assertThrows(IllegalArgumentException.class, () -> transport.openPath(config()));
        assertThrows(IllegalArgumentException.class, () -> transport.openPath(config(), (Domain[])null));
        assertThrows(IllegalArgumentException.class, () -> transport.openPath(config(), a, null));
        final IllegalArgumentException repeated =
            assertThrows(IllegalArgumentException.class, () -> transport.openPath(config(), a, b, a));
        assertTrue(repeated.getMessage().contains("distinct"), repeated.getMessage());
        assertEquals(freeAtStart, freeFrames(), "a refused path allocates nothing");
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            assertTrue(path.isOpen(), "the transport still opens paths");
        }
    }

    @Test
    void aPathNamesItsDomainsHopsAndEnds()
    {
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            assertEquals(2, path.hops());
            assertEquals(3, path.domainCount());
            assertSame(a, path.domain(0));
            assertSame(b, path.domain(1));
            assertSame(c, path.domain(2));
            assertSame(path.hop(0).sender(), path.source());
            assertSame(path.hop(1).receiver(), path.sink());
            assertSame(path.hop(0).receiver(), path.inbound(1));
            assertSame(path.hop(1).sender(), path.outbound(1));
            assertSame(a, path.source().domain());
            assertSame(b, path.hop(0).receiver().domain());
            assertSame(b, path.hop(1).sender().domain());
            assertSame(c, path.sink().domain());
            assertEquals("ChannelPath[a -> b -> c]", path.toString());
            assertThrows(IndexOutOfBoundsException.class, () -> path.hop(2));
            assertThrows(IndexOutOfBoundsException.class, () -> path.hop(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> path.domain(3));
            assertThrows(IndexOutOfBoundsException.class, () -> path.inbound(0), "the source receives nothing");
            assertThrows(IndexOutOfBoundsException.class, () -> path.outbound(2), "the sink sends nothing");
        }
    }

    @Test
    void closingAPathFromAnotherThreadClosesEveryHopAndEndsAWaitingReceive() throws Exception
    {
        final ChannelPath path = transport.openPath(config(), a, b, c);
        final Message message = path.sink().newMessage();
        final Future<Integer> waiting = c.start(() -> path.sink().receive(message, 1, TimeUnit.HOURS));
        final Future<?> closer = a.start(path::close);
        closer.get();
        final ExecutionException ended = assertThrows(ExecutionException.class, waiting::get);
        assertInstanceOf(ChannelClosedException.class, ended.getCause());
        assertFalse(path.isOpen());
        assertFalse(path.hop(0).isOpen());
        assertFalse(path.hop(1).isOpen());
        path.close(); // idempotent
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void transferToPassesEveryMessageOnUntouchedThenTheEnd() throws Exception
    {
        final int count = 3 * config().capacity() + 1;
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            final Future<?> source = a.start(() ->
            {
                final Claim claim = path.source().newClaim();
                for (int i = 0; i < count; i++)
                {
                    path.source().awaitClaim(100 + i, claim);
                    fill(claim, i, 100 + i);
                    path.source().commit(claim);
                }
                path.source().finish();
            });
            final Future<Long> middle = b.start(() -> path.inbound(1).transferTo(path.outbound(1)));
            final Message message = path.sink().newMessage();
            for (int i = 0; i < count; i++)
            {
                assertEquals(Status.OK, path.sink().receive(message, 10, TimeUnit.SECONDS), "message " + i);
                assertEquals(100 + i, message.length());
                assertContent(message, i, "passed on by transferTo");
                path.sink().release(message);
            }
            assertEquals(Status.END_OF_STREAM, path.sink().receive(message, 10, TimeUnit.SECONDS));
            source.get();
            assertEquals(count, middle.get());
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void transferToRefusesASenderOfAnotherDomain()
    {
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            final IllegalArgumentException wrong =
                assertThrows(IllegalArgumentException.class, () -> path.inbound(1).transferTo(path.source()));
            assertTrue(wrong.getMessage().contains("transferTo"), wrong.getMessage());
            assertThrows(IllegalArgumentException.class, () -> path.inbound(1).transferTo(null));
        }
    }

    @Test
    void aTimedClaimGivesUpWithBackPressureAndAWaitingClaimGetsTheRoomAReleaseMakes() throws Exception
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            for (int i = 0; i < config().capacity(); i++)
            {
                assertEquals(Status.OK, sender.tryClaim(64, claim, 0, TimeUnit.SECONDS), "message " + i);
                fill(claim, i, 64);
                sender.commit(claim);
            }
            assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim, 0, TimeUnit.SECONDS));
            assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim, 1, TimeUnit.MILLISECONDS));
            assertFalse(claim.isActive(), "a claim that gave up holds nothing");
            assertThrows(IllegalArgumentException.class, () -> sender.tryClaim(64, claim, -1, TimeUnit.SECONDS));
            assertThrows(IllegalArgumentException.class, () -> sender.tryClaim(64, claim, 1, null));
            final Future<?> release = b.start(() ->
            {
                final Message message = channel.receiver().newMessage();
                for (int i = 0; i < config().capacity(); i++)
                {
                    assertEquals(Status.OK, channel.receiver().receive(message, 10, TimeUnit.SECONDS));
                    channel.receiver().release(message);
                }
                // Nothing more to read: a receiver that batches its returns (rbufs) signals them now.
                assertEquals(Status.EMPTY, channel.receiver().receive(message, 0, TimeUnit.SECONDS));
            });
            sender.awaitClaim(64, claim); // returns only once B's releases made room
            assertTrue(claim.isActive());
            release.get();
            sender.abort(claim);
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void closingTheChannelEndsAWaitingClaim() throws Exception
    {
        final Channel channel = transport.open(a, b, config());
        final Claim claim = channel.sender().newClaim();
        for (int i = 0; i < config().capacity(); i++)
        {
            assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
            channel.sender().commit(claim);
        }
        final Future<?> waiting = a.start(() -> channel.sender().awaitClaim(64, claim));
        channel.close();
        final ExecutionException ended = assertThrows(ExecutionException.class, waiting::get);
        assertInstanceOf(ChannelClosedException.class, ended.getCause());
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void aTimedForwardWithoutRoomLeavesTheMessageHeldAndGoesOnceThereIsRoom()
    {
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            final Claim claim = path.source().newClaim();
            final Message atB = path.inbound(1).newMessage();
            int forwarded = 0;
            boolean backPressured = false;
            while (!backPressured)
            {
                assertTrue(forwarded <= config().capacity(), "hop 1 took more than its capacity");
                // rbufs paths share one data area between the hops: a full hop 1 leaves the source no room.
                assumeTrue(path.source().tryClaim(64, claim) == Status.OK, "the source has no room of its own");
                fill(claim, forwarded, 64);
                path.source().commit(claim);
                assertEquals(Status.OK, path.inbound(1).receive(atB, 10, TimeUnit.SECONDS));
                backPressured = path.outbound(1).forward(atB, 0, TimeUnit.SECONDS) == Status.BACK_PRESSURED;
                forwarded += backPressured ? 0 : 1;
            }
            assertEquals(Status.BACK_PRESSURED, path.outbound(1).forward(atB, 1, TimeUnit.MILLISECONDS));
            assertTrue(atB.isHeld(), "a forward that found no room leaves the message held");
            final Message atC = path.sink().newMessage();
            for (int i = 0; i < forwarded; i++)
            {
                assertEquals(Status.OK, path.sink().receive(atC, 10, TimeUnit.SECONDS));
                assertContent(atC, i, "forwarded");
                path.sink().release(atC);
            }
            assertEquals(Status.EMPTY, path.sink().receive(atC, 0, TimeUnit.SECONDS)); // signals batched returns
            assertEquals(Status.OK, path.outbound(1).forward(atB, 10, TimeUnit.SECONDS));
            assertFalse(atB.isHeld());
            assertEquals(Status.OK, path.sink().receive(atC, 10, TimeUnit.SECONDS));
            assertContent(atC, forwarded, "forwarded once there was room");
            path.sink().release(atC);
        }
    }
}
