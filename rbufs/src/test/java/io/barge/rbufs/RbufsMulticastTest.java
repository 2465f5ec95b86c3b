package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class RbufsMulticastTest extends RbufsFixture
{
    private static final long TIMEOUT = 1_000_000;
    private final long[] now = { 1000 };
    private final EpochNanoClock clock = () -> now[0];
    private Domain d;

    @BeforeEach
    void oneMoreDomain()
    {
        d = kernel.createDomain("d");
        freeAtStart = kernel.freeFrames();
    }

    private RbufsMulticast open(final int capacity, final Domain... receivers)
    {
        return RbufsMulticast.open(kernel, a, receivers, new ChannelConfig(256, capacity,
            ChannelConfig.Notification.UMP), TIMEOUT, clock, NotifyFactory.CORE);
    }

    @Test
    void everyReceiverSeesTheSameRegionAndItIsFreedAfterTheLastReturn()
    {
        try (RbufsMulticast multicast = open(4, b, c, d))
        {
            final Claim claim = multicast.sender().newClaim();
            assertEquals(Status.OK, send(multicast.sender(), claim, 200, 5));
            final int slot = (int)Flyweights.token(claim);
            final MulticastSender sender = multicast.multicastSender();
            assertEquals(3, sender.references(slot));
            final Message[] messages = new Message[3];
            for (int i = 0; i < 3; i++)
            {
                messages[i] = multicast.receiver(i).newMessage();
                assertEquals(Status.OK, multicast.receiver(i).poll(messages[i]));
                assertContent(messages[i], 200, 5);
                final long address = messages[i].pieceAddress(0);
                final Domain receiver = multicast.receiver(i).domain();
                assertThrows(ProtectionFault.class, () -> receiver.addressSpace().putByte(address, (byte)0));
            }
            final int free = sender.freeSlots();
            multicast.receiver(0).release(messages[0]);
            multicast.receiver(2).release(messages[2]);
            multicast.doWork();
            assertEquals(1, sender.references(slot));
            assertEquals(free, sender.freeSlots(), "freed while a receiver still holds it");
            multicast.receiver(1).release(messages[1]);
            multicast.doWork();
            assertEquals(0, sender.references(slot));
            assertEquals(free + 1, sender.freeSlots());
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 17, 20261125})
    void randomTrafficReachesEveryReceiverInOrder(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (RbufsMulticast multicast = open(8, b, c))
        {
            final Claim claim = multicast.sender().newClaim();
            final int[] received = new int[2];
            int sent = 0;
            final Message message = new Message();
            for (int step = 0; step < 4000; step++)
            {
                final int who = random.nextInt(3);
                if (who == 2)
                {
                    if (send(multicast.sender(), claim, 1 + (sent % 256), sent) == Status.OK)
                    {
                        sent++;
                    }
                }
                else if (multicast.receiver(who).poll(message) == Status.OK)
                {
                    assertContent(message, 1 + (received[who] % 256), received[who]);
                    received[who]++;
                    multicast.receiver(who).release(message);
                }
            }
            assertTrue(sent > 100, "seed=" + seed + " sent only " + sent);
            assertTrue(received[0] <= sent && received[1] <= sent, "seed=" + seed);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReceiverThatStopsReturningIsDetachedAfterTheTimeoutAndTheOthersGoOn()
    {
        try (RbufsMulticast multicast = open(4, b, c))
        {
            final Sender sender = multicast.sender();
            final Receiver good = multicast.receiver(0);
            final Receiver hoarder = multicast.receiver(1);
            final Claim claim = sender.newClaim();
            final Message message = good.newMessage();
            final Message[] hoard = new Message[4];
            int sent = 0;
            while (send(sender, claim, 100, sent) == Status.OK)
            {
                assertEquals(Status.OK, good.poll(message));
                good.release(message);
                hoard[sent] = hoarder.newMessage();
                assertEquals(Status.OK, hoarder.poll(hoard[sent]));
                sent++;
            }
            assertEquals(4, sent, "the hoarder's bounded ring stops it holding more");
            now[0] += TIMEOUT; // not past the timeout yet
            assertEquals(Status.BACK_PRESSURED, sender.tryClaim(100, claim));
            assertTrue(multicast.isAttached(1));
            now[0] += 1;
            assertEquals(Status.OK, send(sender, claim, 100, 77));
            assertFalse(multicast.isAttached(1));
            assertTrue(multicast.failure(1).getMessage().contains("detached"), multicast.failure(1).getMessage());
            assertThrows(ChannelClosedException.class, () -> hoarder.poll(hoarder.newMessage()));
            hoarder.release(hoard[0]); // allowed, and frees nothing twice
            assertEquals(Status.OK, good.poll(message));
            assertContent(message, 100, 77);
            good.release(message);
            for (int i = 0; i < 20; i++) // the others go on, with every slot back
            {
                assertEquals(Status.OK, send(sender, claim, 64, i));
                assertEquals(Status.OK, good.poll(message));
                good.release(message);
            }
            multicast.doWork();
            assertEquals(4, multicast.multicastSender().freeSlots());
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReceiverReturningSteadilyIsNeverDetached()
    {
        try (RbufsMulticast multicast = open(4, b))
        {
            final Claim claim = multicast.sender().newClaim();
            final Message message = new Message();
            for (int i = 0; i < 50; i++)
            {
                assertEquals(Status.OK, send(multicast.sender(), claim, 10, i));
                now[0] += TIMEOUT / 2;
                assertEquals(Status.OK, multicast.receiver(0).poll(message));
                multicast.receiver(0).release(message);
                multicast.doWork();
            }
            assertTrue(multicast.isAttached(0));
        }
    }

    @Test
    void forgedAndDuplicateReturnsAreRejectedAndNothingIsFreedTwice()
    {
        try (RbufsMulticast multicast = open(4, b, c))
        {
            final Claim claim = multicast.sender().newClaim();
            assertEquals(Status.OK, send(multicast.sender(), claim, 100, 1));
            final int slot = (int)Flyweights.token(claim);
            final Message message = new Message();
            assertEquals(Status.OK, multicast.receiver(0).poll(message));
            multicast.receiver(0).release(message);
            final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
            final RbufsReceiver forger = multicast.link(0).receiver;
            forger.writer().write(FLAG_FREE, (long)slot * 256, 100); // duplicate
            forger.writer().write(FLAG_FREE, 256 * 3, 100); // a slot never sent
            forger.signal();
            multicast.doWork();
            assertEquals(violations + 2, a.counter(CounterType.PROTOCOL_VIOLATIONS));
            assertEquals(1, multicast.multicastSender().references(slot), "receiver c's reference was dropped");
            assertTrue(multicast.isAttached(0));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReceiverBreakingTheProtocolIsDetachedAndTheOthersGoOn()
    {
        try (RbufsMulticast multicast = open(4, b, c))
        {
            final Claim claim = multicast.sender().newClaim();
            assertEquals(Status.OK, send(multicast.sender(), claim, 100, 1));
            final RbufsReceiver liar = multicast.link(1).receiver;
            liar.counterLink().publish(0, 1 << 20); // a tail past the head
            multicast.doWork();
            assertFalse(multicast.isAttached(1));
            assertTrue(multicast.isAttached(0));
            assertNotEquals(null, multicast.failure(1));
            final Message message = new Message();
            assertEquals(Status.OK, multicast.receiver(0).poll(message));
            multicast.receiver(0).release(message);
            assertEquals(Status.OK, send(multicast.sender(), claim, 100, 2));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aReceiverWhoseEndBrokeIsDetachedAndTheOthersGoOn()
    {
        try (RbufsMulticast multicast = open(4, b, c))
        {
            final Claim claim = multicast.sender().newClaim();
            assertEquals(Status.OK, send(multicast.sender(), claim, 100, 1));
            // The originator's side of receiver c's link sends an impossible head: c's end breaks.
            multicast.link(1).link.publish(1 << 20, 0);
            assertThrows(io.barge.core.ProtocolViolationException.class,
                () -> multicast.receiver(1).poll(new Message()));
            multicast.doWork();
            assertFalse(multicast.isAttached(1));
            final Message message = new Message();
            assertEquals(Status.OK, multicast.receiver(0).poll(message));
            multicast.receiver(0).release(message);
            assertEquals(Status.OK, send(multicast.sender(), claim, 100, 2));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void teardownWithRegionsOutstandingReturnsEveryFrame()
    {
        final RbufsMulticast multicast = open(8, b, c, d);
        final Claim claim = multicast.sender().newClaim();
        for (int i = 0; i < 5; i++)
        {
            send(multicast.sender(), claim, 256, i);
        }
        final Message held = new Message();
        assertEquals(Status.OK, multicast.receiver(1).poll(held));
        assertEquals(Status.OK, multicast.sender().tryClaim(10, claim));
        multicast.close();
        multicast.close();
        assertEquals(freeAtStart, kernel.freeFrames());
        assertThrows(ChannelClosedException.class, () -> multicast.sender().tryClaim(1, new Claim()));
    }

    @Test
    void rejectsBadSetups()
    {
        final ChannelConfig config = ChannelConfig.defaults();
        assertThrows(IllegalArgumentException.class,
            () -> RbufsMulticast.open(kernel, a, new Domain[0], config, TIMEOUT, clock, NotifyFactory.CORE));
        assertThrows(IllegalArgumentException.class,
            () -> RbufsMulticast.open(kernel, a, new Domain[]{ b, b }, config, TIMEOUT, clock, NotifyFactory.CORE));
        assertThrows(IllegalArgumentException.class,
            () -> RbufsMulticast.open(kernel, a, new Domain[]{ a }, config, TIMEOUT, clock, NotifyFactory.CORE));
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
