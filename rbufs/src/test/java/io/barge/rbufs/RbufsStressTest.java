package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Long two-thread runs: random sizes, a receiver that holds random numbers of messages, multicast receivers on
 * their own threads. Run with {@code -Pstress}.
 */
@Tag("stress")
class RbufsStressTest extends RbufsFixture
{
    private static final int MESSAGES = 1_000_000;

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    @Timeout(300)
    void twoThreadsWithARandomlyHoldingReceiver(final RbufsChannel.Mode mode) throws Exception
    {
        try (RbufsChannel channel = open(a, b, mode, 2048, 32))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread receiver = new Thread(() -> receive(channel.receiver(), MESSAGES, 42, failure), "receiver");
            receiver.start();
            send(channel.sender(), MESSAGES, 2048, failure);
            receiver.join(300_000);
            if (receiver.isAlive())
            {
                throw new AssertionError("receiver still running after 300 s");
            }
            assertNull(failure.get(), () -> mode + ": " + failure.get());
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    @Timeout(300)
    void multicastToReceiversOnTheirOwnThreads() throws Exception
    {
        final Domain d = kernel.createDomain("d");
        final int total = MESSAGES / 4;
        try (RbufsMulticast multicast = RbufsMulticast.open(kernel, a, new Domain[]{ b, c, d },
            new ChannelConfig(1024, 16, ChannelConfig.Notification.UMP), TimeUnit.MINUTES.toNanos(5),
            new SystemEpochNanoClock(), NotifyFactory.CORE))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread[] threads = new Thread[3];
            for (int i = 0; i < threads.length; i++)
            {
                final Receiver end = multicast.receiver(i);
                final int seed = i;
                threads[i] = new Thread(() -> receive(end, total, seed, failure), "receiver-" + i);
                threads[i].start();
            }
            send(multicast.sender(), total, 1024, failure);
            for (final Thread thread : threads)
            {
                thread.join(300_000);
                if (thread.isAlive())
                {
                    throw new AssertionError("thread still running after 300 s");
                }
            }
            assertNull(failure.get(), () -> String.valueOf(failure.get()));
        }
        kernel.destroyDomain(d);
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private static int lengthOf(final long i, final int max)
    {
        return 8 + (int)((i * 2654435761L) & 0x7FFF_FFFF) % (max - 7);
    }

    private static void send(final Sender sender, final int total, final int max,
        final AtomicReference<Throwable> failure)
    {
        final IdleStrategy idle = new BackoffIdleStrategy();
        final Claim claim = sender.newClaim();
        for (int i = 0; i < total && failure.get() == null; )
        {
            final int length = lengthOf(i, max);
            if (sender.tryClaim(length, claim) == Status.OK)
            {
                claim.putLong(0, i);
                if (length > 8)
                {
                    claim.putByte(length - 1, (byte)i); // a marker at the far end, past the sequence word
                }
                sender.commit(claim);
                i++;
                idle.reset();
            }
            else
            {
                idle.idle();
            }
        }
    }

    private static void receive(final Receiver receiver, final int total, final long seed,
        final AtomicReference<Throwable> failure)
    {
        try
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final IdleStrategy idle = new BackoffIdleStrategy();
            final ArrayDeque<Message> held = new ArrayDeque<>();
            final ArrayDeque<Message> spare = new ArrayDeque<>();
            int hold = random.nextInt(1, 8);
            for (int i = 0; i < total && failure.get() == null; )
            {
                final Message message = spare.isEmpty() ? receiver.newMessage() : spare.poll();
                if (receiver.poll(message) == Status.OK)
                {
                    final int length = message.length();
                    if (message.getLong(0) != i || length > 8 && message.getByte(length - 1) != (byte)i)
                    {
                        throw new AssertionError("seed=" + seed + " message " + i + " arrived as " +
                            message.getLong(0) + " length=" + length);
                    }
                    held.add(message);
                    i++;
                    idle.reset();
                }
                else
                {
                    spare.add(message);
                    idle.idle();
                }
                if (held.size() >= hold || (!held.isEmpty() && random.nextInt(4) == 0))
                {
                    while (!held.isEmpty())
                    {
                        final Message m = held.poll();
                        receiver.release(m);
                        spare.add(m);
                    }
                    hold = random.nextInt(1, 8);
                }
            }
            for (final Message m : held)
            {
                receiver.release(m);
            }
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }
    }
}
