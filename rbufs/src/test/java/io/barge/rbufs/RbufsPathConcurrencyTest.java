package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An Rbufs path with every domain on a thread of its own, and a middle domain destroyed while all of them run: the
 * hops before it go on, every region is back at the source once they stop, and no frame is left.
 */
@Timeout(60)
class RbufsPathConcurrencyTest extends RbufsFixture
{
    private static final int HOPS = 4;
    private static final int LENGTH = 256;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    private Thread run(final String name, final Runnable body)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                body.run();
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
            }
        }, name);
        thread.start();
        return thread;
    }

    private void source(final RbufsPathRig rig, final AtomicLong sent)
    {
        long seq = 0;
        try
        {
            while (!stop)
            {
                if (rig.send(LENGTH, (int)seq) == Status.OK)
                {
                    seq++;
                    sent.set(seq);
                }
                else
                {
                    Thread.yield(); // five threads on few cores: let the others run
                }
            }
        }
        catch (final ChannelClosedException ex)
        {
            failure.compareAndSet(null, new AssertionError("the source's hop closed", ex));
        }
    }

    /** Domain {@code d}: forwards what hop d-1 delivers onto hop d, and releases instead once hop d is gone. */
    private void forwarder(final RbufsPathRig rig, final int d, final AtomicLong released)
    {
        final Message message = rig.hops[d - 1].receiver().newMessage();
        boolean downstream = true;
        try
        {
            while (!stop)
            {
                if (!message.isHeld() && rig.hops[d - 1].receiver().poll(message) != Status.OK)
                {
                    Thread.yield(); // five threads on few cores: let the others run
                    continue;
                }
                if (downstream)
                {
                    try
                    {
                        if (rig.hops[d].sender().forward(message) != Status.OK)
                        {
                            Thread.yield(); // five threads on few cores: let the others run
                        }
                        continue;
                    }
                    catch (final ChannelClosedException ex)
                    {
                        downstream = false; // the hop after closed: consume from now on
                    }
                }
                rig.hops[d - 1].receiver().release(message);
                released.incrementAndGet();
            }
        }
        catch (final ChannelClosedException ex)
        {
            // this domain's inbound hop closed (its own or the upstream domain died)
        }
        finally
        {
            if (message.isHeld())
            {
                rig.hops[d - 1].receiver().release(message);
            }
        }
    }

    private void sink(final RbufsPathRig rig, final AtomicLong received)
    {
        final Message message = rig.hops[HOPS - 1].receiver().newMessage();
        try
        {
            while (!stop)
            {
                if (rig.hops[HOPS - 1].receiver().poll(message) == Status.OK)
                {
                    received.incrementAndGet();
                    rig.hops[HOPS - 1].receiver().release(message);
                }
                else
                {
                    Thread.yield(); // five threads on few cores: let the others run
                }
            }
        }
        catch (final ChannelClosedException ex)
        {
            // the sink's hop closed
        }
    }

    private static void awaitAtLeast(final AtomicLong counter, final long value, final String what)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (counter.get() < value)
        {
            assertTrue(System.nanoTime() < deadline, what + " stuck at " + counter.get());
            Thread.yield(); // five threads on few cores: let the others run
        }
    }

    @Test
    void aMiddleDomainDiesWhileEveryDomainRunsOnItsOwnThread() throws InterruptedException
    {
        final RbufsPathRig rig = new RbufsPathRig(kernel, HOPS, LENGTH, 16);
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong[] released = new AtomicLong[HOPS];
        final Thread[] threads = new Thread[HOPS + 1];
        threads[0] = run("d0", () -> source(rig, sent));
        for (int d = 1; d < HOPS; d++)
        {
            final int domain = d;
            released[d] = new AtomicLong();
            threads[d] = run("d" + d, () -> forwarder(rig, domain, released[domain]));
        }
        threads[HOPS] = run("d" + HOPS, () -> sink(rig, received));
        awaitAtLeast(received, 300, "messages at the sink");

        kernel.destroyDomain(rig.domains[2]);

        // d1 now consumes what it gets: the source keeps sending, so regions keep coming back to it.
        final long sentAtDeath = sent.get();
        awaitAtLeast(released[1], 300, "messages d1 consumed after the death");
        // Waited for, not sampled: d1's first releases may drain what hop 0 queued before the death (the path's
        // area has more slots than one hop's ring), so the source's progress can trail them.
        awaitAtLeast(sent, sentAtDeath + 100, "the source going on after the death");
        stop = true;
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertNull(failure.get(), () -> "a thread failed: " + failure.get());
        assertTrue(rig.hops[0].isOpen(), "the hop before the dead domain's goes on");
        for (int hop = 1; hop < HOPS; hop++)
        {
            assertFalse(rig.hops[hop].isOpen(), "hop " + hop + " closed");
        }
        // The threads are joined: the test thread acts for d1 and d0 now. What is still on hop 0's ring goes back.
        final Message message = rig.hops[0].receiver().newMessage();
        while (rig.hops[0].receiver().poll(message) == Status.OK)
        {
            rig.hops[0].receiver().release(message);
        }
        rig.settle();
        rig.assertMasterHasEveryRegion();
        rig.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
