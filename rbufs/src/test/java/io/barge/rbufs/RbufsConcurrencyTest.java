package io.barge.rbufs;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The originator and the receiver on their own threads: every message arrives once, in order, intact.
 */
class RbufsConcurrencyTest extends RbufsFixture
{
    private static final int MESSAGES = 100_000;

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    @Timeout(60)
    void twoThreadsMoveEveryMessageInOrder(final RbufsChannel.Mode mode) throws Exception
    {
        try (RbufsChannel channel = open(a, b, mode, 512, 16))
        {
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread receiver = new Thread(() ->
            {
                try
                {
                    final IdleStrategy idle = new YieldingIdleStrategy();
                    final Message message = channel.receiver().newMessage();
                    for (int i = 0; i < MESSAGES; )
                    {
                        if (channel.receiver().poll(message) == Status.OK)
                        {
                            final int length = 8 + (i % 63) * 8;
                            if (message.length() != length || message.getLong(0) != i ||
                                message.getLong(length - 8) != (length == 8 ? i : -i))
                            {
                                throw new AssertionError(mode + ": message " + i + " arrived as length=" +
                                    message.length() + " first=" + message.getLong(0));
                            }
                            channel.receiver().release(message);
                            i++;
                            idle.reset();
                        }
                        else
                        {
                            idle.idle();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.set(ex);
                }
            }, "rbufs-receiver");
            receiver.start();
            final IdleStrategy idle = new YieldingIdleStrategy();
            final Claim claim = channel.sender().newClaim();
            for (int i = 0; i < MESSAGES && failure.get() == null; )
            {
                final int length = 8 + (i % 63) * 8;
                if (channel.sender().tryClaim(length, claim) == Status.OK)
                {
                    claim.putLong(0, i);
                    claim.putLong(length - 8, length == 8 ? i : -i);
                    channel.sender().commit(claim);
                    i++;
                    idle.reset();
                }
                else
                {
                    idle.idle();
                }
            }
            receiver.join(60_000);
            if (receiver.isAlive())
            {
                throw new AssertionError("receiver still running after 60 s");
            }
            if (failure.get() != null)
            {
                throw new AssertionError(failure.get());
            }
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
