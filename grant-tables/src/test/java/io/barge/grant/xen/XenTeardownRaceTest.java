package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Teardown while both ends run on their own threads: the main thread closes the channel, or destroys a domain,
 * mid-stream. Each end must stop with {@link ChannelClosedException} (an end may also see a
 * {@link ProtectionFault} touching a claim or message it held across the teardown, whose pages are gone), nothing
 * else is thrown, and every frame and grant comes back (checked by the fixture).
 */
@Timeout(60)
class XenTeardownRaceTest extends XenFixture
{
    private static final int ROUNDS = 8;

    @ParameterizedTest
    @CsvSource({ "MAP, close", "COPY, close", "PERSISTENT, close", "MAP, front", "COPY, back",
        "PERSISTENT, front", "PERSISTENT, back" })
    void teardownMidStreamStopsBothEndsCleanly(final GrantMode mode, final String how) throws Exception
    {
        for (int round = 0; round < ROUNDS && a.isAlive() && b.isAlive(); round++)
        {
            final XenTransport transport = transport(mode);
            final XenChannel channel = transport.open(a, b, config(20 * PAGE, 8));
            final AtomicReference<Throwable> unexpected = new AtomicReference<>();
            final AtomicLong received = new AtomicLong();
            final Thread producer = new Thread(() -> produce(channel, unexpected), "xen-producer");
            final Thread consumer = new Thread(() -> consume(channel, received, unexpected), "xen-consumer");
            producer.start();
            consumer.start();
            final IdleStrategy idle = new BackoffIdleStrategy();
            final long target = 50 + round * 37L;
            while (received.get() < target && unexpected.get() == null && consumer.isAlive())
            {
                idle.idle();
            }
            // Only the last round kills a domain: the others need both alive.
            if ("close".equals(how) || round < ROUNDS - 1)
            {
                channel.close();
            }
            else
            {
                kernel.destroyDomain("front".equals(how) ? a : b);
            }
            producer.join(10_000);
            consumer.join(10_000);
            assertFalse(producer.isAlive(), "producer stopped");
            assertFalse(consumer.isAlive(), "consumer stopped");
            final String context = mode + " " + how + " round " + round;
            assertNull(unexpected.get(), () -> context + ": " + stack(unexpected.get()));
            assertFalse(channel.isOpen(), context);
            assertTrue(received.get() >= target, context + ": the stream ran before the teardown");
            channel.close();
        }
    }

    private static String stack(final Throwable t)
    {
        final java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    private static void produce(final XenChannel channel, final AtomicReference<Throwable> unexpected)
    {
        final Claim claim = channel.sender().newClaim();
        final IdleStrategy idle = new BackoffIdleStrategy();
        try
        {
            for (long i = 0; ; i++)
            {
                final int length = (int)(8 + (i * 7919) % (20 * PAGE - 8));
                while (channel.sender().tryClaim(length, claim) != Status.OK)
                {
                    idle.idle();
                }
                idle.reset(); // spin again at the next wait: the race wants both ends busy, not parked
                try
                {
                    claim.putLong(0, i);
                }
                catch (final ProtectionFault gone)
                {
                    // Closed between claim and write: the claimed buffer's pages are no longer mapped.
                }
                channel.sender().commit(claim);
            }
        }
        catch (final ChannelClosedException expected)
        {
            // The teardown reached the front end.
        }
        catch (final Throwable t)
        {
            unexpected.compareAndSet(null, t);
        }
    }

    private static void consume(final XenChannel channel, final AtomicLong received,
        final AtomicReference<Throwable> unexpected)
    {
        final Message message = channel.receiver().newMessage();
        final IdleStrategy idle = new BackoffIdleStrategy();
        try
        {
            while (true)
            {
                if (channel.receiver().poll(message) != Status.OK)
                {
                    idle.idle();
                    continue;
                }
                try
                {
                    message.touch();
                }
                catch (final ProtectionFault gone)
                {
                    // Closed between poll and touch: the held message's pages are no longer mapped.
                }
                channel.receiver().release(message);
                received.incrementAndGet();
                idle.reset();
            }
        }
        catch (final ChannelClosedException expected)
        {
            // The teardown reached the back end.
        }
        catch (final Throwable t)
        {
            unexpected.compareAndSet(null, t);
        }
    }
}
