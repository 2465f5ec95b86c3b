package io.barge.core.transport;

import io.barge.core.Access;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.OutOfFramesException;
import io.barge.core.notify.Waitset;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract of the ends every transport keeps (issue 15): handler polls, end of stream, one meaning of capacity,
 * abortive close from any thread, out of frames distinct from back pressure, and errors that name the transport
 * and the call. Run by every {@link TransportContractTest} subclass.
 */
public abstract class TransportEndsContract extends TransportReceiveContract
{
    private long touched;

    @Test
    void handlerPollDeliversUpToTheLimitInOrderOnOneReusedFlyweightAndReleasesEach()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final int capacity = config().capacity();
            sendAll(sender, 0, capacity, 200);
            final List<Message> seen = new ArrayList<>();
            final AtomicInteger next = new AtomicInteger();
            final MessageHandler handler = (message) ->
            {
                assertTrue(message.isHeld(), "held while the handler runs");
                assertContent(message, next.getAndIncrement(), "handler poll");
                seen.add(message);
            };
            assertEquals(3, channel.receiver().poll(handler, 3));
            assertEquals(capacity - 3, channel.receiver().poll(handler, capacity + 5));
            assertEquals(0, channel.receiver().poll(handler, 4), "nothing waiting");
            assertEquals(capacity, seen.size());
            for (final Message m : seen)
            {
                assertSame(seen.get(0), m, "one flyweight per receiver");
                assertFalse(m.isHeld(), "released after the handler");
            }
            // Every message was released: the sender has its whole capacity again.
            sendAll(sender, capacity, capacity, 64);
            final AtomicInteger selfReleased = new AtomicInteger();
            assertEquals(capacity, channel.receiver().poll((message) ->
            {
                channel.receiver().release(message); // the receiver must not release it a second time
                selfReleased.incrementAndGet();
            }, capacity));
            assertEquals(capacity, selfReleased.get());
            assertThrows(IllegalArgumentException.class, () -> channel.receiver().poll(handler, 0));
        }
        assertEquals(freeAtStart, freeFrames());
    }

    /**
     * Buffers lent to be filled (a driver posting receive buffers to its device): several claims of the largest
     * size outstanding at once, each filled with less and shrunk before its commit, in claim order; the receiver
     * sees each new length and its bytes, and a shrink outside [1, length] or of a finished claim is refused.
     */
    @Test
    void severalLargestClaimsOutstandingEachShrunkBeforeCommitCarryTheirNewLengths()
    {
        assumeTrue(transport.capabilities().contains(Capability.POSTED_BUFFERS), transportName() +
            " has no POSTED_BUFFERS");
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final int max = sender.maxMessageLength();
            final int outstanding = Math.min(4, config().capacity());
            final Claim[] claims = new Claim[outstanding];
            final int[] lengths = new int[outstanding];
            for (int i = 0; i < outstanding; i++)
            {
                claims[i] = sender.newClaim();
                assertEquals(Status.OK, sender.tryClaim(max, claims[i]), "claim " + i + " of " + outstanding);
                // The device's view: the claimed frame may be pinned for it to write, through the sender's mapping.
                final int frame = kernel.pinMappedForDma(sender.domain(), claims[i].address(), Access.WRITE);
                kernel.unpinFrame(frame);
                fill(claims[i], i, max);
                lengths[i] = Math.max(1, max / (i + 2) - i);
            }
            assertThrows(IllegalArgumentException.class, () -> claims[0].shrink(0));
            assertThrows(IllegalArgumentException.class, () -> claims[0].shrink(max + 1));
            for (int i = 0; i < outstanding; i++)
            {
                claims[i].shrink(lengths[i]);
                assertEquals(lengths[i], claims[i].length());
                sender.commit(claims[i]);
            }
            assertThrows(io.barge.core.BufferStateException.class, () -> claims[0].shrink(1));
            final Message message = channel.receiver().newMessage();
            for (int i = 0; i < outstanding; i++)
            {
                assertEquals(Status.OK, channel.receiver().poll(message), "message " + i);
                assertEquals(lengths[i], message.length(), "message " + i + " carries its shrunk length");
                assertContent(message, i, "shrunk claim");
                // And a device may read what arrived: the first piece pins for READ through the receiver's mapping.
                kernel.unpinFrame(kernel.pinMappedForDma(b, message.pieceAddress(0), Access.READ));
                channel.receiver().release(message);
            }
        }
        assertEquals(freeAtStart, freeFrames());
    }

    /**
     * The handler poll adds no garbage to what the transport's own send and receive allocate: the same traffic
     * through {@link Receiver#poll(MessageHandler, int)} and through {@link Receiver#poll(Message)} with one
     * flyweight allocates the same (less than one byte a message apart). On the copy, rbufs and cached fbufs
     * transports both allocate nothing; a transport whose own path allocates is skipped, saying how much.
     */
    @Test
    void handlerPollsAllocateNothingBeyondThePlainPoll()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Claim claim = channel.sender().newClaim();
            final Message flyweight = channel.receiver().newMessage();
            final MessageHandler handler = (message) -> touched += message.getLong(0);
            final int rounds = 2_000;
            exchange(channel, claim, handler, null, 5_000); // warm up both paths
            exchange(channel, claim, null, flyweight, 5_000);
            final long overhead = measurementOverhead();
            long before = allocatedBytes();
            exchange(channel, claim, null, flyweight, rounds);
            final long plain = allocatedBytes() - before - overhead;
            before = allocatedBytes();
            exchange(channel, claim, handler, null, rounds);
            final long withHandler = allocatedBytes() - before - overhead;
            // Uncached fbufs free frames on every release, and the kernel's freeFrame allocates an iterator: with
            // the plain path allocating, a difference of a few bytes is that path's noise, not the handler's.
            assumeTrue(plain < rounds * 4, () -> transportName() + " " + transportOptions() + ": its own send and " +
                "release allocate " + plain + " bytes in " + rounds * 4 + " messages; nothing to compare against");
            assertTrue(withHandler - plain < rounds * 4, transportName() + ": the handler poll allocated " +
                withHandler + " bytes against " + plain + " for the plain poll, in " + rounds * 4 + " messages");
        }
    }

    private void exchange(final Channel channel, final Claim claim, final MessageHandler handler,
        final Message flyweight, final int rounds)
    {
        final Sender sender = channel.sender();
        final Receiver receiver = channel.receiver();
        for (int i = 0; i < rounds; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                assertEquals(Status.OK, sender.tryClaim(64, claim));
                claim.putLong(0, j);
                sender.commit(claim);
            }
            if (handler != null)
            {
                assertEquals(4, receiver.poll(handler, 8));
            }
            else
            {
                for (int j = 0; j < 4; j++)
                {
                    assertEquals(Status.OK, receiver.poll(flyweight));
                    touched += flyweight.getLong(0);
                    receiver.release(flyweight);
                }
            }
        }
    }

    private static long measurementOverhead()
    {
        allocatedBytes();
        final long first = allocatedBytes();
        return allocatedBytes() - first;
    }

    private static long allocatedBytes()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        return ((com.sun.management.ThreadMXBean)bean).getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void aThrowingHandlerHasItsMessageReleasedAndTheExceptionPropagates()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final int capacity = config().capacity();
            sendAll(channel.sender(), 0, capacity, 100);
            final IllegalStateException boom = new IllegalStateException("handler failed");
            final AtomicInteger calls = new AtomicInteger();
            final IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> channel.receiver().poll((message) ->
                {
                    calls.incrementAndGet();
                    throw boom;
                }, 10));
            assertSame(boom, thrown);
            assertEquals(1, calls.get(), "the poll stops at the failing message");
            final AtomicInteger next = new AtomicInteger(1);
            assertEquals(capacity - 1, channel.receiver().poll(
                (message) -> assertContent(message, next.getAndIncrement(), "after the failure"), capacity));
            // The failed message was released too: a whole capacity goes again.
            sendAll(channel.sender(), 0, capacity, 100);
        }
    }

    @Test
    void finishDeliversEverythingCommittedBeforeThenEndOfStreamForGood()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final int capacity = config().capacity();
            sendAll(sender, 0, capacity, 300); // full: the end must still get through
            sender.finish();
            sender.finish(); // idempotent
            final Claim claim = sender.newClaim();
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> sender.tryClaim(64, claim));
            assertTrue(refused.getMessage().contains("finish"), refused.getMessage());
            final Message message = receiver.newMessage();
            for (int i = 0; i < capacity; i++)
            {
                assertFalse(receiver.isEndOfStream(), "end of stream before message " + i);
                assertEquals(Status.OK, receiver.poll(message), "message " + i);
                assertContent(message, i, "before the end");
                receiver.release(message);
            }
            for (int i = 0; i < 3; i++)
            {
                assertEquals(Status.END_OF_STREAM, receiver.poll(message));
                assertTrue(receiver.isEndOfStream());
                assertEquals(Status.END_OF_STREAM, receiver.poll((m) -> fail("nothing after the end"), 4));
            }
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void finishOnAnEmptyChannelEndsAtOnceAndHandlerPollReportsIt()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            assertEquals(0, channel.receiver().poll((m) -> fail("nothing sent"), 1));
            channel.sender().finish();
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll((m) -> fail("nothing sent"), 1));
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(channel.receiver().newMessage()));
        }
    }

    @Test
    void finishWithAnActiveClaimIsRefused()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
            assertThrows(IllegalStateException.class, () -> channel.sender().finish());
            fill(claim, 0, 64);
            channel.sender().commit(claim);
            channel.sender().finish();
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertContent(message, 0, "committed before the finish");
            channel.receiver().release(message);
            assertEquals(Status.END_OF_STREAM, channel.receiver().poll(message));
        }
    }

    @Test
    void aFinishedStreamAcrossTwoThreadsDeliversEveryMessageBeforeItsEnd() throws Exception
    {
        final int total = 5_000;
        try (Channel channel = transport.open(a, b, config()))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread producer = new Thread(() ->
            {
                try
                {
                    final Claim claim = channel.sender().newClaim();
                    final IdleStrategy idle = new BackoffIdleStrategy();
                    for (int i = 0; i < total && failure.get() == null; i++)
                    {
                        final int length = 16 + (i % 7) * 100;
                        idle.reset();
                        while (channel.sender().tryClaim(length, claim) != Status.OK)
                        {
                            idle.idle();
                        }
                        fill(claim, i, length);
                        channel.sender().commit(claim);
                    }
                    channel.sender().finish();
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            }, "ends-producer");
            producer.start();
            final Message message = channel.receiver().newMessage();
            int received = 0;
            int status;
            while ((status = channel.receiver().receive(message, 10, TimeUnit.SECONDS)) == Status.OK)
            {
                assertContent(message, received++, "two threads");
                channel.receiver().release(message);
            }
            producer.join(30_000);
            assertFalse(producer.isAlive(), "producer stuck");
            assertNull(failure.get(), () -> "producer failed: " + failure.get());
            assertEquals(Status.END_OF_STREAM, status, Status.name(status));
            assertEquals(total, received, "every message before the end");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 2, 8, 64 })
    void capacityIsTheMostMessagesCommittedAndNotReleased(final int capacity)
    {
        final ChannelConfig config = config().withCapacity(capacity);
        try (Channel channel = transport.open(a, b, config))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final int max = sender.maxMessageLength();
            final Claim claim = sender.newClaim();
            for (int round = 0; round < 2; round++)
            {
                for (int i = 0; i < capacity; i++)
                {
                    final int length = i % 2 == 0 ? max : 64;
                    assertEquals(Status.OK, sender.tryClaim(length, claim),
                        "capacity=" + capacity + " round " + round + ": claim " + i);
                    fill(claim, i, length);
                    sender.commit(claim);
                }
                assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim), "capacity=" + capacity + " + 1");
                final List<Message> held = new ArrayList<>();
                for (int i = 0; i < capacity; i++)
                {
                    final Message message = receiver.newMessage();
                    assertEquals(Status.OK, receiver.poll(message), "capacity=" + capacity + ": hold " + i);
                    assertContent(message, i, "held");
                    held.add(message);
                }
                final int more = receiver.poll(receiver.newMessage());
                assertTrue(more == Status.EMPTY || more == Status.BACK_PRESSURED, "nothing more: " + Status.name(more));
                assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim), "all held: still full");
                receiver.release(held.remove(0));
                assertEquals(Status.OK, sender.tryClaim(64, claim), "one released: one more goes");
                fill(claim, 99, 64);
                sender.commit(claim);
                assertEquals(Status.BACK_PRESSURED, sender.tryClaim(64, claim), "full again");
                for (final Message m : held)
                {
                    receiver.release(m);
                }
                final Message last = receiver.newMessage();
                assertEquals(Status.OK, receiver.poll(last));
                assertContent(last, 99, "after the releases");
                receiver.release(last);
            }
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void closeFromAnotherThreadStopsTheOwnerWithChannelClosedAndLeaksNothing() throws Exception
    {
        final Channel other = transport.open(a, c, config());
        final Channel channel = transport.open(a, b, config());
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicReference<Throwable> ended = new AtomicReference<>();
        final Thread owner = new Thread(() ->
        {
            try
            {
                final Sender sender = channel.sender();
                final Receiver receiver = channel.receiver();
                final Claim claim = sender.newClaim();
                final Message message = receiver.newMessage();
                while (true)
                {
                    if (sender.tryClaim(200, claim) == Status.OK)
                    {
                        sender.commit(claim);
                    }
                    if (receiver.poll(message) == Status.OK)
                    {
                        receiver.release(message);
                    }
                    rounds.incrementAndGet();
                }
            }
            catch (final Throwable t)
            {
                ended.set(t);
            }
        }, "ends-owner");
        owner.start();
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (rounds.get() < 200 && owner.isAlive())
        {
            idle.idle();
        }
        channel.close();
        owner.join(20_000);
        assertFalse(owner.isAlive(), "the owner did not stop after the close");
        assertInstanceOf(ChannelClosedException.class, ended.get(), () -> "owner ended with " + ended.get());
        assertFalse(channel.isOpen());
        final Claim claim = other.sender().newClaim();
        assertEquals(Status.OK, other.sender().tryClaim(300, claim));
        fill(claim, 3, 300);
        other.sender().commit(claim);
        final Message message = other.receiver().newMessage();
        assertEquals(Status.OK, other.receiver().poll(message));
        assertContent(message, 3, "the other channel");
        other.receiver().release(message);
        other.close();
        assertEquals(freeAtStart, freeFrames(), "every frame back");
    }

    @Test
    void noFreeFrameIsOutOfFramesNeverBackPressureAndNothingLeaks()
    {
        assumeKernelHere("the test takes every free frame of the kernel for a domain of its own");
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Claim claim = sender.newClaim();
            // Take every free frame away: a transport that needs one per claim must say so, not back pressure.
            final Message message = channel.receiver().newMessage();
            final int[] hog = new int[freeFrames()];
            kernel.allocateFrames(c, hog.length, false, hog);
            int sent = 0;
            for (int i = 0; i < config().capacity(); i++)
            {
                final int status;
                try
                {
                    status = sender.tryClaim(sender.maxMessageLength(), claim);
                }
                catch (final OutOfFramesException ex)
                {
                    assertTrue(ex.getMessage().startsWith(transportName() + " tryClaim"), ex.getMessage());
                    assertFalse(claim.isActive(), "nothing reserved");
                    continue;
                }
                assertEquals(Status.OK, status, "out of frames is never back pressure");
                fill(claim, sent++, sender.maxMessageLength());
                sender.commit(claim);
            }
            for (final int frame : hog)
            {
                kernel.freeFrame(c, frame);
            }
            for (int i = 0; i < sent; i++)
            {
                assertEquals(Status.OK, channel.receiver().poll(message));
                assertContent(message, i, "sent without free frames");
                channel.receiver().release(message);
            }
            sendAll(sender, 0, config().capacity(), 500);
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void errorsNameTheTransportAndTheCall()
    {
        final String name = transportName();
        final Channel channel = transport.open(a, b, config());
        final Sender sender = channel.sender();
        final Claim claim = sender.newClaim();
        assertPrefix(name + " tryClaim", assertThrows(IllegalArgumentException.class,
            () -> sender.tryClaim(0, claim)));
        assertPrefix(name + " tryClaim", assertThrows(IllegalArgumentException.class,
            () -> sender.tryClaim(sender.maxMessageLength() + 1, claim)));
        assertEquals(Status.OK, sender.tryClaim(64, claim));
        channel.close();
        assertPrefix(name + " commit", assertThrows(ChannelClosedException.class, () -> sender.commit(claim)));
        assertPrefix(name + " tryClaim", assertThrows(ChannelClosedException.class,
            () -> sender.tryClaim(64, claim)));
        assertPrefix(name + " poll", assertThrows(ChannelClosedException.class,
            () -> channel.receiver().poll(channel.receiver().newMessage())));
        assertPrefix(name + " finish", assertThrows(ChannelClosedException.class, sender::finish));
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void oneThreadOnOneWaitsetServesEightChannelsEndToEndWithoutPollingAnyDirectly()
    {
        final int channels = 8;
        final int total = 300;
        final Waitset waitset = new Waitset("ends-contract");
        final Domain[][] pairs = { { a, b }, { a, c }, { b, c }, { c, a } };
        final Channel[] opened = new Channel[channels];
        final int[] received = new int[channels];
        final boolean[] ended = new boolean[channels];
        try
        {
            for (int i = 0; i < channels; i++)
            {
                final Domain[] pair = pairs[i % pairs.length];
                opened[i] = transport.open(pair[0], pair[1], config());
            }
            for (int i = 0; i < channels; i++)
            {
                final int index = i;
                final Channel channel = opened[i];
                final Claim claim = channel.sender().newClaim();
                final int[] sent = new int[1];
                final Runnable[] sending = new Runnable[1];
                sending[0] = () ->
                {
                    while (sent[0] < total)
                    {
                        final int length = 8 + (sent[0] * 37 + index * 11) % 1500;
                        if (channel.sender().tryClaim(length, claim) != Status.OK)
                        {
                            channel.sender().registerForSpace(waitset, sending[0]);
                            return;
                        }
                        fill(claim, sent[0]++, length);
                        channel.sender().commit(claim);
                    }
                    channel.sender().finish();
                };
                final MessageHandler check = (message) ->
                    assertContent(message, received[index]++, "channel " + index);
                final Runnable[] receiving = new Runnable[1];
                receiving[0] = () ->
                {
                    final int delivered = channel.receiver().poll(check, 16);
                    if (delivered == Status.END_OF_STREAM)
                    {
                        ended[index] = true;
                    }
                    else
                    {
                        channel.receiver().register(waitset, receiving[0]);
                    }
                };
                channel.sender().registerForSpace(waitset, sending[0]);
                channel.receiver().register(waitset, receiving[0]);
            }
            final IdleStrategy idle = new BackoffIdleStrategy();
            while (!allTrue(ended))
            {
                assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, idle), "no event for 10 s: a wake-up was lost");
            }
            for (int i = 0; i < channels; i++)
            {
                assertEquals(total, received[i], "channel " + i + ": every message before its end");
            }
        }
        finally
        {
            for (final Channel channel : opened)
            {
                if (channel != null)
                {
                    channel.close();
                }
            }
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void aRegisteredReceiverLearnsOfACloseFromItsWaitset()
    {
        final Waitset waitset = new Waitset("close");
        final Channel channel = transport.open(a, b, config());
        final AtomicReference<Throwable> seen = new AtomicReference<>();
        channel.receiver().register(waitset, () ->
        {
            try
            {
                channel.receiver().poll(channel.receiver().newMessage());
            }
            catch (final Throwable t)
            {
                seen.set(t);
            }
        });
        channel.close();
        assertTrue(waitset.dispatch(10, TimeUnit.SECONDS, new BackoffIdleStrategy()), "the close woke no handler");
        assertInstanceOf(ChannelClosedException.class, seen.get());
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void receiveWaitsUpToItsTimeoutThenSaysEmptyOkOrEnd()
    {
        try (Channel channel = transport.open(a, b, config()))
        {
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.EMPTY, channel.receiver().receive(message, 20, TimeUnit.MILLISECONDS));
            assertEquals(Status.EMPTY, channel.receiver().receive(message, 0, TimeUnit.MILLISECONDS));
            sendAll(channel.sender(), 0, 1, 700);
            assertEquals(Status.OK, channel.receiver().receive(message, 10, TimeUnit.SECONDS));
            assertContent(message, 0, "received");
            channel.receiver().release(message);
            channel.sender().finish();
            assertEquals(Status.END_OF_STREAM, channel.receiver().receive(message, 10, TimeUnit.SECONDS));
        }
    }

    private static boolean allTrue(final boolean[] flags)
    {
        for (final boolean flag : flags)
        {
            if (!flag)
            {
                return false;
            }
        }
        return true;
    }

    private static void assertPrefix(final String prefix, final Throwable thrown)
    {
        assertTrue(thrown.getMessage().startsWith(prefix), () -> "expected '" + prefix + "...', got: " +
            thrown.getMessage());
    }
}
