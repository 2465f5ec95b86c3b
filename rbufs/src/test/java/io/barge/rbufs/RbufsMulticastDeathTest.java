package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A multicast receiver or originator that dies: a dead receiver is detached like a slow one (its references
 * dropped, its frames returned) and the others go on; a dead originator closes the multicast for everyone.
 */
@Timeout(30)
class RbufsMulticastDeathTest extends RbufsFixture
{
    private static final int SLOTS = 4;
    private final EpochNanoClock clock = () -> 1000;
    private Domain d;

    @BeforeEach
    void oneMoreDomain()
    {
        d = kernel.createDomain("d");
        freeAtStart = kernel.freeFrames();
    }

    private RbufsMulticast open(final Domain... receivers)
    {
        return RbufsMulticast.open(kernel, a, receivers, new ChannelConfig(256, SLOTS,
            ChannelConfig.Notification.UMP), Long.MAX_VALUE / 2, clock, NotifyFactory.CORE);
    }

    @Test
    void aDeadReceiverIsDetachedAndTheOthersGoOnWithoutALeakedReference()
    {
        final RbufsMulticast multicast = open(b, c, d);
        final Sender sender = multicast.sender();
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, send(sender, claim, 100, 1));
        final Message[] messages = new Message[3];
        for (int i = 0; i < 3; i++)
        {
            messages[i] = multicast.receiver(i).newMessage();
            assertEquals(Status.OK, multicast.receiver(i).poll(messages[i]));
        }
        final int slot = (int)Flyweights.token(claim);
        assertEquals(3, multicast.multicastSender().references(slot));

        kernel.destroyDomain(c); // dies holding a message

        assertFalse(multicast.isAttached(1), "a dead receiver is detached");
        assertInstanceOf(ChannelClosedException.class, multicast.failure(1));
        assertEquals(2, multicast.multicastSender().references(slot), "the dead receiver's reference is dropped");
        final Receiver dead = multicast.receiver(1);
        assertThrows(ChannelClosedException.class, () -> dead.poll(dead.newMessage()));
        for (int round = 0; round < 3 * SLOTS; round++)
        {
            assertEquals(Status.OK, send(sender, claim, 100, round + 2), "the others go on");
            for (final int i : new int[]{ 0, 2 })
            {
                final Receiver receiver = multicast.receiver(i);
                if (round == 0)
                {
                    receiver.release(messages[i]);
                }
                final Message message = receiver.newMessage();
                assertEquals(Status.OK, receiver.poll(message));
                assertContent(message, 100, round + 2);
                receiver.release(message);
            }
        }
        multicast.doWork();
        assertEquals(SLOTS, multicast.multicastSender().freeSlots(), "every slot back: no reference leaked");
        multicast.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    /**
     * The sender runs on a thread of its own when a receiver dies on this one: the death only leaves a detach
     * request, since another thread must not change the sender's bookkeeping under it; the sender applies it at its
     * next call, on its thread, and the dead receiver's frames go back then. A close while the sender's thread is
     * alive leaves the sender's frames until that thread has ended.
     */
    @Test
    void aDeadReceiversDetachIsAppliedOnTheSendersOwnThreadAtItsNextCall() throws Exception
    {
        final ExecutorService senderThread = Executors.newSingleThreadExecutor();
        try
        {
            final RbufsMulticast multicast = open(b, c, d);
            final Sender sender = multicast.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, senderThread.submit(() -> send(sender, claim, 100, 1)).get(10, TimeUnit.SECONDS));
            final int slot = (int)(long)senderThread.submit(() -> Flyweights.token(claim)).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(Status.OK, multicast.receiver(i).poll(multicast.receiver(i).newMessage()));
            }
            final int freeBeforeDeath = kernel.freeFrames();

            kernel.destroyDomain(c);

            assertFalse(multicast.isAttached(1), "the detach is asked for at once");
            assertEquals(3, (int)senderThread.submit(() -> multicast.multicastSender().references(slot))
                .get(10, TimeUnit.SECONDS), "no other thread changed the sender's bookkeeping");
            final int freeAfterDeath = kernel.freeFrames();
            senderThread.submit(multicast::doWork).get(10, TimeUnit.SECONDS);
            assertEquals(2, (int)senderThread.submit(() -> multicast.multicastSender().references(slot))
                .get(10, TimeUnit.SECONDS), "the sender dropped the dead receiver's reference at its next call");
            assertTrue(kernel.freeFrames() > freeAfterDeath, "the link's frames went back once the sender let go");
            assertTrue(freeAfterDeath > freeBeforeDeath, "the dead domain's own frames no end reaches went at once");

            multicast.close();
            assertTrue(kernel.freeFrames() < freeAtStart, "the sender's thread is alive: its frames wait");
            assertThrows(ExecutionException.class, () -> senderThread.submit(() -> sender.tryClaim(100, claim))
                .get(10, TimeUnit.SECONDS));
        }
        finally
        {
            senderThread.shutdown();
            assertTrue(senderThread.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertEquals(freeAtStart, kernel.freeFrames(), "the sender's call saw the close: every frame is back");
    }

    @Test
    void aDeadOriginatorClosesTheMulticastForEveryReceiver()
    {
        final RbufsMulticast multicast = open(b, c);
        assertEquals(Status.OK, send(multicast.sender(), multicast.sender().newClaim(), 100, 1));
        kernel.destroyDomain(a);
        for (int i = 0; i < 2; i++)
        {
            final Receiver receiver = multicast.receiver(i);
            assertThrows(ChannelClosedException.class, () -> receiver.poll(receiver.newMessage()));
            assertFalse(multicast.isAttached(i));
        }
        assertEquals(freeAtStart, kernel.freeFrames(), "every frame returned at the death");
        multicast.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReceiverWhoseEventChannelClosedUnderACommitIsDetachedAndTheCommitReachesTheOthers()
    {
        final RbufsMulticast multicast = open(b, c, d);
        final Sender sender = multicast.sender();
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(100, claim));
        final int slot = (int)Flyweights.token(claim);
        multicast.link(1).link.out().close(); // as when c's domain is being destroyed
        sender.commit(claim);
        assertFalse(multicast.isAttached(1));
        assertEquals(2, multicast.multicastSender().references(slot), "c's reference dropped, the others' kept");
        for (final int i : new int[]{ 0, 2 })
        {
            final Message message = multicast.receiver(i).newMessage();
            assertEquals(Status.OK, multicast.receiver(i).poll(message));
            multicast.receiver(i).release(message);
        }
        multicast.doWork();
        assertEquals(SLOTS, multicast.multicastSender().freeSlots());
        multicast.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aMulticastClaimIsRefusedByAnotherSender()
    {
        final RbufsMulticast multicast = open(b);
        final RbufsChannel channel = RbufsChannel.open(kernel, a, c, new ChannelConfig(256, SLOTS,
            ChannelConfig.Notification.UMP), RbufsChannel.Mode.TMM, NotifyFactory.CORE, null);
        final Claim claim = multicast.sender().newClaim();
        assertEquals(Status.OK, multicast.sender().tryClaim(10, claim));
        assertThrows(IllegalArgumentException.class, () -> channel.sender().commit(claim));
        final Claim other = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(10, other));
        assertThrows(IllegalArgumentException.class, () -> multicast.sender().commit(other));
        assertTrue(claim.isActive());
        assertTrue(other.isActive());
        multicast.sender().commit(claim);
        channel.sender().commit(other);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertEquals(10, message.length());
        channel.receiver().release(message);
        assertWorks(channel);
        channel.close();
        multicast.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
