package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import io.barge.testkit.LeakCheck;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@code Channel.close()} from another thread while the owner thread loops in tryClaim/commit/poll/release
 * (issue 15, item 7), for every mode of the rbufs transport: the owner stops with {@link ChannelClosedException}
 * within a bounded wait, nothing leaks ({@link LeakCheck}), and a channel that was not closed goes on. Seeded: the
 * seed picks the mode, the message length and how long the owner runs before the close.
 */
@Timeout(60)
class RbufsCloseRaceTest
{
    private PhysicalMemory memory;
    private Kernel kernel;

    static List<Object[]> cases()
    {
        final List<Object[]> cases = new ArrayList<>();
        for (long seed = 1; seed <= 12; seed++)
        {
            cases.add(new Object[]{ seed });
        }
        return cases;
    }

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(8192);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void closeFromAnotherThreadStopsTheOwnerAndLeaksNothing(final long seed) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final LeakCheck leaks = LeakCheck.of(kernel);
        final Domain a = kernel.createDomain("a");
        final Domain b = kernel.createDomain("b");
        final Domain c = kernel.createDomain("c");
        final Map<String, String> options = Map.of("mode", random.nextBoolean() ? "tmm" : "rmm");
        final ChannelConfig config = new ChannelConfig(8192, 8, random.nextBoolean() ?
            ChannelConfig.Notification.UMP : ChannelConfig.Notification.LMP);
        final int length = 1 + random.nextInt(8192);
        final int roundsBeforeClose = 1 + random.nextInt(2_000);
        final String context = "seed=" + seed + " options=" + options + " " + config + " length=" + length;
        final Transport transport = Transports.create(kernel, "rbufs", options);
        final Channel other = transport.open(a, c, config);
        final Channel channel = transport.open(a, b, config);
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
        transport.close();
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
