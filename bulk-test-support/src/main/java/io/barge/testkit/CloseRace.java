package io.barge.testkit;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@code Channel.close()} from another thread while the owner thread loops in tryClaim/commit/poll/release, on any
 * transport: the owner stops with {@link ChannelClosedException} within a bounded wait, a channel that was not
 * closed goes on, and nothing leaks ({@link LeakCheck}). Seeded: the seed picks the transport's options, the
 * notification, the message length and how long the owner runs before the close.
 */
public final class CloseRace
{
    private CloseRace()
    {
    }

    /**
     * Runs one race and asserts its outcome.
     *
     * @param kernel    a kernel with room for three domains and two channels of 8 KiB messages, 8 in flight.
     * @param transport the provider's name.
     * @param options   draws the transport's options from the seeded random (first, before anything else).
     * @param seed      the seed, printed in every failure.
     * @throws InterruptedException if interrupted while joining the owner.
     */
    public static void closeFromAnotherThread(final Kernel kernel, final String transport,
        final Function<SplittableRandom, Map<String, String>> options, final long seed) throws InterruptedException
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final LeakCheck leaks = LeakCheck.of(kernel);
        final Domain a = kernel.createDomain("a");
        final Domain b = kernel.createDomain("b");
        final Domain c = kernel.createDomain("c");
        final Map<String, String> chosen = options.apply(random);
        final ChannelConfig config = new ChannelConfig(8192, 8, random.nextBoolean() ?
            ChannelConfig.Notification.UMP : ChannelConfig.Notification.LMP);
        final int length = 1 + random.nextInt(8192);
        final int roundsBeforeClose = 1 + random.nextInt(2_000);
        final String context = "seed=" + seed + " options=" + chosen + " " + config + " length=" + length;
        final Transport opened = Transports.create(kernel, transport, chosen);
        final Channel other = opened.open(a, c, config);
        final Channel channel = opened.open(a, b, config);
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicReference<Throwable> ended = new AtomicReference<>();
        final Thread owner = new Thread(() -> ended.set(loop(channel, length, rounds)), "close-race-owner");
        owner.start();
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (rounds.get() < roundsBeforeClose && owner.isAlive())
        {
            idle.idle();
        }
        channel.close();
        owner.join(20_000);
        assertFalse(owner.isAlive(), context + ": the owner did not stop after the close");
        assertInstanceOf(ChannelClosedException.class, ended.get(), () -> context + ": owner ended with " +
            ended.get());
        final Claim claim = other.sender().newClaim();
        assertEquals(Status.OK, other.sender().tryClaim(length, claim), context);
        claim.putByte(0, (byte)7);
        other.sender().commit(claim);
        final Message message = other.receiver().newMessage();
        assertEquals(Status.OK, other.receiver().poll(message), context + ": the other channel goes on");
        assertEquals(7, message.getByte(0), context);
        other.receiver().release(message);
        other.close();
        opened.close();
        kernel.destroyDomain(a);
        kernel.destroyDomain(b);
        kernel.destroyDomain(c);
        leaks.assertNothingLeaked();
    }

    private static Throwable loop(final Channel channel, final int length, final AtomicInteger rounds)
    {
        try
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final Claim claim = sender.newClaim();
            final Message message = receiver.newMessage();
            while (true)
            {
                if (sender.tryClaim(length, claim) == Status.OK)
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
            return t;
        }
    }
}
