package io.barge.fbufs;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sender and receiver on two threads, cached and volatile: once warm, neither thread allocates per message (the
 * receiver's frees cross back to the sender's magazine through its return ring), and the pool of fbufs stays at
 * what the channel's capacity lets out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TwoThreadAllocationTest extends FbufFixture
{
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 50_000;
    private static final int CAPACITY = 16;

    @ParameterizedTest(name = "integrated={0}")
    @ValueSource(booleans = { true, false })
    void steadyStateAllocatesNothingOnEitherThread(final boolean integrated) throws Exception
    {
        final FbufChannel channel = transport(new FbufMode(true, true, integrated)).open(a, b, config(64, CAPACITY));
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong receiverBytes = new AtomicLong();
        final Thread receiving = new Thread(() ->
        {
            try
            {
                final Message message = channel.receiver().newMessage();
                long before = 0;
                for (int i = 0; i < WARMUP + MEASURED; )
                {
                    if (i == WARMUP && before == 0)
                    {
                        before = allocatedBytes();
                    }
                    if (channel.receiver().poll(message) != Status.OK)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (message.getLong(0) != i)
                    {
                        throw new AssertionError("message " + i + " carried " + message.getLong(0));
                    }
                    channel.receiver().release(message);
                    i++;
                }
                receiverBytes.set(allocatedBytes() - before);
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        }, "receiving");
        receiving.start();
        final Claim claim = channel.sender().newClaim();
        long senderBytes = 0;
        for (int i = 0; i < WARMUP + MEASURED && failure.get() == null; i++)
        {
            if (i == WARMUP)
            {
                senderBytes = allocatedBytes();
            }
            while (channel.sender().tryClaim(64, claim) != Status.OK && failure.get() == null)
            {
                Thread.onSpinWait();
            }
            if (failure.get() != null)
            {
                break;
            }
            claim.putLong(0, i);
            channel.sender().commit(claim);
        }
        senderBytes = allocatedBytes() - senderBytes;
        receiving.join(30_000);
        assertNull(failure.get(), () -> "receiving thread: " + failure.get());
        // A per-message allocation would be at least 16 bytes a message; reading the counter itself costs a little.
        assertTrue(senderBytes < MEASURED / 8, "sender allocated " + senderBytes + " bytes in " + MEASURED);
        assertTrue(receiverBytes.get() < MEASURED / 8, "receiver allocated " + receiverBytes.get() + " bytes");
        assertTrue(transport.region().liveFbufs() <= CAPACITY + Magazine.SIZE,
            () -> "fbufs holding frames: " + transport.region().liveFbufs());
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(
            Thread.currentThread().getId());
    }
}
