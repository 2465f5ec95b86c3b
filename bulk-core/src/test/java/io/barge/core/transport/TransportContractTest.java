package io.barge.core.transport;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract every transport keeps, written once (JCTools' {@code QueueSanityTest} is the model). A transport's
 * test subclasses this and names the transport and its options; the transport is created through
 * {@link Transports} so the ServiceLoader registration is tested too.
 * <p>
 * Override {@link #config()} to change sizes; the defaults are 16 KiB messages and 8 in flight.
 */
@Timeout(60)
public abstract class TransportContractTest extends TransportPathContract
{
    @ParameterizedTest
    @ValueSource(longs = { 1L, 7L, 0xFEEDL })
    void deliversEveryMessageInOrderWithItsBytes(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final Claim claim = sender.newClaim();
            final Message message = receiver.newMessage();
            final int max = sender.maxMessageLength();
            final int total = 400;
            int sent = 0;
            int received = 0;
            final int[] lengths = new int[total];
            while (received < total)
            {
                while (sent < total)
                {
                    final int length = 8 + random.nextInt(max - 7);
                    if (sender.tryClaim(length, claim) != Status.OK)
                    {
                        break;
                    }
                    fill(claim, sent, length);
                    sender.commit(claim);
                    lengths[sent++] = length;
                }
                final int status = receiver.poll(message);
                if (status == Status.OK)
                {
                    assertEquals(lengths[received], message.length(), "seed=" + seed + " message " + received);
                    assertContent(message, received, "seed=" + seed);
                    receiver.release(message);
                    received++;
                }
                else
                {
                    assertTrue(received < sent, "seed=" + seed + ": nothing to receive although " + sent +
                        " sent and " + received + " received");
                }
            }
            assertEquals(Status.EMPTY, receiver.poll(message));
        }
    }

    /**
     * Steady-state claim, commit, poll, touch and release allocate nothing (issue 13's rule for every transport):
     * after a warm-up, 50,000 messages of 64 bytes and of the largest length, one thread playing both ends, allocate
     * less than 16 KiB in all (the JIT and the measurement may allocate a little; an object per message would be
     * hundreds of KiB).
     */
    @Test
    void steadyStateCrossingsAllocateNothing()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Claim claim = channel.sender().newClaim();
            final Message message = channel.receiver().newMessage();
            final int messages = 50_000;
            crossings(channel, claim, message, messages); // warm-up: class loading, the JIT, grown piece arrays
            final long before = allocatedBytes();
            crossings(channel, claim, message, messages);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < 16 * 1024, transportName() + " " + transportOptions() + " allocated " + allocated +
                " bytes for " + messages + " messages");
        }
    }

    private static long crossings(final Channel channel, final Claim claim, final Message message, final int count)
    {
        final Sender sender = channel.sender();
        final Receiver receiver = channel.receiver();
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            final int length = (i & 1) == 0 ? 64 : sender.maxMessageLength();
            if (sender.tryClaim(length, claim) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " back pressured with nothing in flight");
            }
            claim.putLong(0, i);
            sender.commit(claim);
            if (receiver.poll(message) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " committed but not delivered");
            }
            sum += message.touch();
            receiver.release(message);
        }
        return sum;
    }

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void backPressureIsAResultValueAndClearsWhenTheReceiverCatchesUp()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            int sent = 0;
            while (sender.tryClaim(64, claim) == Status.OK)
            {
                fill(claim, sent++, 64);
                sender.commit(claim);
                assertTrue(sent <= 1 << 16, "never back pressured");
            }
            assertTrue(sent >= 1, "a fresh channel takes at least one message");
            assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim), "stays back pressured");
            final Message message = channel.receiver().newMessage();
            int received = 0;
            while (received < sent)
            {
                assertEquals(Status.OK, channel.receiver().poll(message), "message " + received);
                assertContent(message, received++, "after back pressure");
                channel.receiver().release(message);
            }
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            fill(claim, sent, 64);
            sender.commit(claim);
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertContent(message, sent, "after recovery");
            channel.receiver().release(message);
        }
    }

    @Test
    void heldMessagesStallTheChannelWithoutLossAndReleaseResumesIt()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final Claim claim = sender.newClaim();
            final List<Message> held = new ArrayList<>();
            int sent = 0;
            int received = 0;
            for (int round = 0; round < 10_000 && received < 200; round++)
            {
                if (sender.tryClaim(128, claim) == Status.OK)
                {
                    fill(claim, sent++, 128);
                    sender.commit(claim);
                }
                final Message message = receiver.newMessage();
                final int status = receiver.poll(message);
                if (status == Status.OK)
                {
                    assertContent(message, received++, "held");
                    held.add(message);
                }
                if (status != Status.OK || held.size() > 16)
                {
                    for (final Message m : held)
                    {
                        receiver.release(m);
                    }
                    held.clear();
                }
            }
            assertEquals(200, received);
            for (final Message m : held)
            {
                receiver.release(m);
            }
        }
    }

    @Test
    void releaseReturnsMemoryToItsManager()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            final Message message = channel.receiver().newMessage();
            int freeAfterWarmUp = -1;
            for (int i = 0; i < 200; i++)
            {
                if (i == 50)
                {
                    freeAfterWarmUp = freeFrames(); // caches along the way are filled by now
                }
                assertEquals(Status.OK, sender.tryClaim(sender.maxMessageLength(), claim), "message " + i);
                fill(claim, i, sender.maxMessageLength());
                sender.commit(claim);
                assertEquals(Status.OK, channel.receiver().poll(message));
                channel.receiver().release(message);
            }
            assertEquals(freeAfterWarmUp, freeFrames(), "every released message's memory came back");
        }
        assertEquals(freeAtStart, freeFrames(), "every frame back after teardown");
    }

    @Test
    void teardownWithMessagesInFlightAndHeldLeaksNoFrame()
    {
        final Channel channel = transport.open(a, b, config());
        final Sender sender = channel.sender();
        final Claim claim = sender.newClaim();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(Status.OK, sender.tryClaim(1000, claim));
            fill(claim, i, 1000);
            sender.commit(claim);
        }
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        assertEquals(Status.OK, sender.tryClaim(100, claim)); // claimed, never committed
        channel.close();
        channel.close();
        assertFalse(channel.isOpen());
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void abortedClaimIsNeverDelivered()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            fill(claim, 99, 64);
            sender.abort(claim);
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            fill(claim, 0, 64);
            sender.commit(claim);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertContent(message, 0, "after abort");
            channel.receiver().release(message);
            assertEquals(Status.EMPTY, channel.receiver().poll(message));
        }
    }

    @Test
    void forwardsAlongAPathWithoutChangingTheBytes()
    {
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            final Sender source = path.source();
            final Claim claim = source.newClaim();
            final Message atB = path.hop(0).receiver().newMessage();
            final Message atC = path.hop(1).receiver().newMessage();
            for (int i = 0; i < 50; i++)
            {
                final int length = 100 + i * 37;
                assertEquals(Status.OK, source.tryClaim(length, claim));
                fill(claim, i, length);
                source.commit(claim);
                assertEquals(Status.OK, path.hop(0).receiver().poll(atB));
                assertEquals(Status.OK, path.hop(1).sender().forward(atB));
                assertFalse(atB.isHeld(), "forward consumes the inbound message");
                assertEquals(Status.OK, path.hop(1).receiver().poll(atC));
                assertEquals(length, atC.length());
                assertContent(atC, i, "hop 2");
                path.hop(1).receiver().release(atC);
            }
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    @Timeout(60)
    void twoThreadsTransferInOrder() throws Exception
    {
        final int total = 20_000;
        try (Channel channel = transport.open(a, b, config()))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                try
                {
                    final Sender sender = channel.sender();
                    final Claim claim = sender.newClaim();
                    final IdleStrategy idle = new BackoffIdleStrategy();
                    for (int i = 0; i < total; i++)
                    {
                        final int length = 16 + (i % 5) * 200;
                        while (sender.tryClaim(length, claim) != Status.OK)
                        {
                            idle.idle();
                            if (failure.get() != null)
                            {
                                return;
                            }
                        }
                        idle.reset(); // back to spinning: an idle strategy never reset parks 1 ms at every wait
                        fill(claim, i, length);
                        sender.commit(claim);
                    }
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            }, "contract-producer");
            producer.start();
            final Message message = channel.receiver().newMessage();
            final IdleStrategy idle = new BackoffIdleStrategy();
            int received = 0;
            while (received < total && failure.get() == null)
            {
                if (channel.receiver().poll(message) == Status.OK)
                {
                    assertEquals(16 + (received % 5) * 200, message.length());
                    assertEquals(received, message.getLong(0), "sequence");
                    assertContent(message, received, "two threads");
                    channel.receiver().release(message);
                    received++;
                    idle.reset();
                }
                else
                {
                    idle.idle();
                }
            }
            producer.join(30_000);
            assertNull(failure.get(), () -> "producer failed: " + failure.get());
            assertEquals(total, received);
        }
    }

    @Test
    void claimLengthOutOfRangeIsRefusedWithoutSideEffects()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertThrows(IllegalArgumentException.class, () -> sender.tryClaim(0, claim));
            assertThrows(IllegalArgumentException.class, () -> sender.tryClaim(-1, claim));
            assertThrows(IllegalArgumentException.class,
                () -> sender.tryClaim(sender.maxMessageLength() + 1, claim));
            assertEquals(Status.OK, sender.tryClaim(32, claim));
            assertThrows(IndexOutOfBoundsException.class, () -> claim.putLong(32, 1L));
            fill(claim, 0, 32);
            sender.commit(claim);
            assertThrows(BufferStateException.class, () -> sender.commit(claim), "commit twice");
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertContent(message, 0, "after refused claims");
            channel.receiver().release(message);
        }
    }

    @Test
    void releasingTwiceOrReadingAfterReleaseIsATypedError()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            fill(claim, 0, 64);
            sender.commit(claim);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertThrows(BufferStateException.class, () -> channel.receiver().poll(message), "poll into held");
            channel.receiver().release(message);
            final int free = freeFrames();
            assertThrows(BufferStateException.class, () -> channel.receiver().release(message));
            assertThrows(BufferStateException.class, () -> message.getLong(0));
            assertThrows(BufferStateException.class, message::touch);
            assertEquals(free, freeFrames(), "a refused release frees nothing");
        }
    }

    @Test
    void operationsOnATornDownChannelAreTypedErrors()
    {
        final Channel channel = transport.open(a, b, config());
        final Claim claim = channel.sender().newClaim();
        final Message message = channel.receiver().newMessage();
        channel.close();
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(64, claim));
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void unknownOptionKeyIsRejectedListingTheValidOnes()
    {
        assumeKernelHere("the transport is made through the ServiceLoader registry on a kernel");
        final InvalidOptionException ex = assertThrows(InvalidOptionException.class,
            () -> Transports.create(kernel, transportName(), Map.of("no-such-option", "1")));
        assertTrue(ex.getMessage().contains("valid options"), ex.getMessage());
    }

    @Test
    void destroyingAnEndpointDomainReclaimsEverything()
    {
        assumeKernelHere("the test destroys the kernel's domains itself");
        final Channel channel = transport.open(a, b, config());
        final Sender sender = channel.sender();
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(3000, claim));
        fill(claim, 0, 3000);
        sender.commit(claim);
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        kernel.destroyDomain(b);
        channel.close();
        transport.close();
        kernel.destroyDomain(a);
        kernel.destroyDomain(c);
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void otherChannelsAreUnaffectedByATeardown()
    {
        final Channel first = transport.open(a, b, config());
        try (Channel second = transport.open(a, c, config()))
        {
            first.close();
            final Claim claim = second.sender().newClaim();
            assertEquals(Status.OK, second.sender().tryClaim(512, claim));
            fill(claim, 5, 512);
            second.sender().commit(claim);
            final Message message = second.receiver().newMessage();
            assertEquals(Status.OK, second.receiver().poll(message));
            assertContent(message, 5, "second channel");
            second.receiver().release(message);
        }
        assertEquals(freeAtStart, freeFrames());
    }

}
