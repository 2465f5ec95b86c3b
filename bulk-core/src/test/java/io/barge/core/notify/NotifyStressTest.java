package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Long two-thread runs with generated lengths and types: every message arrives once, in order, intact.
 * Run with {@code -Pstress}.
 */
@Tag("stress")
@Timeout(300)
class NotifyStressTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private int freeAtStart;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        freeAtStart = kernel.freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** Writes message i: its length and type follow from the seed; every payload byte is checkable. */
    private static void fill(final org.agrona.MutableDirectBuffer buffer, final int at, final long i, final int length)
    {
        for (int k = 0; k < length; k++)
        {
            buffer.putByte(at + k, (byte)(i * 31 + k));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 1234567L})
    void umpTwoThreadsGeneratedMessages(final long seed) throws Exception
    {
        runTwoThreads(Notifications.openUmp(kernel, a, b, 64), seed, 20_000_000);
    }

    @ParameterizedTest
    @ValueSource(longs = {99L})
    void lmpTwoThreadsWithCoreLoop(final long seed) throws Exception
    {
        try (Core core = new Core("rx"))
        {
            final LmpChannel channel = Notifications.openLmp(kernel, a, b, 16);
            channel.synchronous(false);
            final long total = 2_000_000;
            final CountDownLatch done = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final SplittableRandom expected = new SplittableRandom(seed);
            final long[] next = {0};
            final NotifyHandler check = checker(expected, next, seed);
            final Runnable[] handler = new Runnable[1];
            handler[0] = () ->
            {
                try
                {
                    channel.receiver().poll(check, 64);
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                    done.countDown();
                    return;
                }
                if (next[0] == total)
                {
                    done.countDown();
                }
                else
                {
                    channel.receiver().registerReceive(core.defaultWaitset(), handler[0]);
                }
            };
            channel.receiver().registerReceive(core.defaultWaitset(), handler[0]);
            core.start(new BackoffIdleStrategy());
            produce(channel.sender(), seed, total, failure);
            assertTrue(done.await(200, TimeUnit.SECONDS));
            core.close();
            assertNull(failure.get(), () -> "seed=" + seed + ": " + failure.get());
            channel.close();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private static NotifyHandler checker(final SplittableRandom expected, final long[] next, final long seed)
    {
        return (type, buffer, offset, length) ->
        {
            final int wantLength = expected.nextInt(NotifySender.MAX_PAYLOAD_LENGTH + 1);
            final int wantType = expected.nextInt(NotifySender.MAX_TYPE + 1);
            if (length != wantLength || type != wantType)
            {
                throw new AssertionError("seed=" + seed + " message " + next[0] + ": type/length " + type + "/" +
                    length + ", expected " + wantType + "/" + wantLength);
            }
            for (int k = 0; k < length; k++)
            {
                if (buffer.getByte(offset + k) != (byte)(next[0] * 31 + k))
                {
                    throw new AssertionError("seed=" + seed + " message " + next[0] + " byte " + k + " corrupt");
                }
            }
            next[0]++;
        };
    }

    private static void produce(final NotifySender sender, final long seed, final long total,
        final AtomicReference<Throwable> failure)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final YieldingIdleStrategy idle = new YieldingIdleStrategy();
        for (long i = 0; i < total && failure.get() == null; )
        {
            final int at = sender.tryClaim();
            if (at == Status.BACK_PRESSURED)
            {
                idle.idle();
                continue;
            }
            final int length = random.nextInt(NotifySender.MAX_PAYLOAD_LENGTH + 1);
            final int type = random.nextInt(NotifySender.MAX_TYPE + 1);
            fill(sender.buffer(), at, i, length);
            sender.commit(type, length);
            i++;
        }
    }

    private void runTwoThreads(final NotifyChannel channel, final long seed, final long total) throws Exception
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread producer = new Thread(() ->
        {
            try
            {
                produce(channel.sender(), seed, total, failure);
            }
            catch (final Throwable t)
            {
                failure.compareAndSet(null, t);
            }
        });
        producer.start();
        final long[] next = {0};
        final NotifyHandler check = checker(new SplittableRandom(seed), next, seed);
        final YieldingIdleStrategy idle = new YieldingIdleStrategy();
        try
        {
            while (next[0] < total && failure.get() == null)
            {
                idle.idle(channel.receiver().poll(check, 128));
            }
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
        }
        producer.join(300_000);
        if (producer.isAlive())
        {
            throw new AssertionError("producer still running after 300 s");
        }
        assertNull(failure.get(), () -> "seed=" + seed + ": " + failure.get());
        assertEquals(total, next[0]);
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
