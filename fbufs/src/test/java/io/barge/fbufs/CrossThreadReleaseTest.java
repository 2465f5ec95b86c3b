package io.barge.fbufs;

import io.barge.core.Domain;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The owner thread allocates, another thread drops the last references: fbufs travel from the owner's magazine to the
 * shared free lists and back, sizes vary, nothing is lost or handed out twice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrossThreadReleaseTest extends FbufFixture
{
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = { 5, 17 })
    void fbufsReleasedOnAnotherThreadComeBackIntact(final long seed) throws Exception
    {
        run(seed, 20_000);
    }

    @Tag("stress")
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = { 23, 29, 31 })
    void longRun(final long seed) throws Exception
    {
        run(seed, 2_000_000);
    }

    private void run(final long seed, final int count) throws Exception
    {
        final FbufRegion region = new FbufRegion(kernel, 4096);
        final IoPath path = region.createPath(new Domain[]{ a, b }, new FbufMode(true, true, true), 512);
        final ManyToOneConcurrentArrayQueue<long[]> queue = new ManyToOneConcurrentArrayQueue<>(256);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread releaser = new Thread(() ->
        {
            final IdleStrategy idle = new BackoffIdleStrategy();
            try
            {
                for (int done = 0; done < count; )
                {
                    final long[] item = queue.poll();
                    if (item == null)
                    {
                        idle.idle();
                        continue;
                    }
                    idle.reset();
                    final long address = region.address(item[0]);
                    // The bytes the owner wrote are there: nobody else was handed the fbuf meanwhile.
                    assertEquals(item[1], b.addressSpace().getLong(address), "seed=" + seed);
                    region.release(item[0]);
                    done++;
                }
            }
            catch (final Throwable t)
            {
                failure.set(t);
            }
        });
        releaser.start();
        final SplittableRandom random = new SplittableRandom(seed);
        final IdleStrategy idle = new BackoffIdleStrategy();
        for (int i = 0; i < count && failure.get() == null; i++)
        {
            final int bytes = 1 + random.nextInt(3 * 4096);
            long handle;
            while ((handle = path.allocate(bytes)) == FbufRegion.NO_FBUF)
            {
                idle.idle();
            }
            idle.reset();
            final long stamp = random.nextLong();
            a.addressSpace().putLong(region.address(handle), stamp);
            while (!queue.offer(new long[]{ handle, stamp }))
            {
                idle.idle();
            }
            idle.reset();
            if (random.nextInt(4) == 0)
            {
                // Some fbufs come back to the owner's magazine too.
                final long own = path.allocate(bytes);
                if (own != FbufRegion.NO_FBUF)
                {
                    path.release(own);
                }
            }
        }
        releaser.join(60_000);
        if (releaser.isAlive())
        {
            throw new AssertionError("releaser still running after 60 s");
        }
        assertNull(failure.get(), () -> "seed=" + seed + ": " + failure.get());
        assertEquals(0, region.heldFbufs());
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames(), "seed=" + seed);
    }
}
