package io.barge.fbufs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The return ring on its own: entries, wrap, a full ring, drain limits, and several producers against one consumer.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReturnRingTest
{
    @Test
    void entriesNameGenerationAndFirstPageAndAreNeverZero()
    {
        assertNotEquals(0L, ReturnRing.entry(0, 0));
        assertEquals(0, ReturnRing.first(ReturnRing.entry(0, 0)));
        assertEquals(0L, ReturnRing.generation(ReturnRing.entry(0, 0)));
        final long entry = ReturnRing.entry(0xFFFF_FFFFL, 65_535);
        assertEquals(65_535, ReturnRing.first(entry));
        assertEquals(0xFFFF_FFFFL, ReturnRing.generation(entry));
    }

    @Test
    void capacityMustBeAPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new ReturnRing(0));
        assertThrows(IllegalArgumentException.class, () -> new ReturnRing(6));
        assertEquals(8, new ReturnRing(8).capacity());
    }

    @Test
    void wrapsManyTimesInOrderAndRefusesOnlyWhenFull()
    {
        final ReturnRing ring = new ReturnRing(4);
        final List<Long> taken = new ArrayList<>();
        long next = 1;
        long expected = 1;
        for (int lap = 0; lap < 50; lap++)
        {
            // Fill to capacity; the fifth is refused and nothing is lost.
            for (int i = 0; i < 4; i++)
            {
                assertTrue(ring.offer(ReturnRing.entry(next++, lap)), "lap " + lap);
            }
            assertFalse(ring.offer(ReturnRing.entry(999, 0)), "a full ring refuses");
            assertFalse(ring.isEmpty());
            // Take some, then more than are there.
            assertEquals(3, ring.drain(e -> taken.add(ReturnRing.generation(e)), 3));
            assertTrue(ring.offer(ReturnRing.entry(next++, lap)), "room again after a drain");
            assertEquals(2, ring.drain(e -> taken.add(ReturnRing.generation(e)), 100));
            assertEquals(0, ring.drain(e -> taken.add(-1L), 100));
            assertTrue(ring.isEmpty());
        }
        assertEquals(250, taken.size());
        for (final long generation : taken)
        {
            assertEquals(expected++, generation);
        }
    }

    @Test
    void forEachSeesWhatIsWaitingWithoutTakingIt()
    {
        final ReturnRing ring = new ReturnRing(8);
        ring.offer(ReturnRing.entry(3, 7));
        ring.offer(ReturnRing.entry(4, 9));
        final List<Long> seen = new ArrayList<>();
        ring.forEach(seen::add);
        assertEquals(List.of(ReturnRing.entry(3, 7), ReturnRing.entry(4, 9)), seen);
        assertEquals(2, ring.drain(e -> { }, 8));
        seen.clear();
        ring.forEach(seen::add);
        assertTrue(seen.isEmpty());
    }

    @Test
    void forEachAfterManyLapsSeesExactlyTheWaitingEntriesInRingOrder()
    {
        final ReturnRing ring = new ReturnRing(8);
        long next = 1;
        for (int lap = 0; lap < 5; lap++)
        {
            for (int i = 0; i < 6; i++)
            {
                assertTrue(ring.offer(ReturnRing.entry(next++, i)));
            }
            assertEquals(6, ring.drain((entry) -> { }, 6));
        }
        // Positions 30..34 now: they wrap past the end of the slot array (30 & 7 = 6).
        final List<Long> offered = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            offered.add(ReturnRing.entry(next++, i));
            assertTrue(ring.offer(offered.get(i)));
        }
        final List<Long> seen = new ArrayList<>();

        ring.forEach(seen::add);

        assertEquals(offered, seen);
        assertEquals(2, ring.drain((entry) -> { }, 2));
        seen.clear();
        ring.forEach(seen::add);
        assertEquals(offered.subList(2, 5), seen, "what was taken is not seen again");
    }

    @Test
    void severalProducersOneConsumerEveryEntryExactlyOnce() throws Exception
    {
        final long seed = new SplittableRandom().nextLong();
        final int producers = 3;
        final int perProducer = 50_000;
        final ReturnRing ring = new ReturnRing(64);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CyclicBarrier start = new CyclicBarrier(producers + 1);
        final Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads[p] = new Thread(() ->
            {
                try
                {
                    final SplittableRandom random = new SplittableRandom(seed + producer);
                    start.await();
                    for (int i = 0; i < perProducer; i++)
                    {
                        // Generation = producer, first page = sequence: every entry distinct.
                        while (!ring.offer(ReturnRing.entry(producer, i)))
                        {
                            Thread.onSpinWait();
                        }
                        if (random.nextInt(64) == 0)
                        {
                            Thread.yield();
                        }
                    }
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                }
            }, "producer-" + p);
            threads[p].start();
        }
        final BitSet[] seen = new BitSet[producers];
        final int[] last = new int[producers];
        for (int p = 0; p < producers; p++)
        {
            seen[p] = new BitSet(perProducer);
            last[p] = -1;
        }
        final AtomicReference<String> problem = new AtomicReference<>();
        start.await();
        int total = 0;
        while (total < producers * perProducer && failure.get() == null)
        {
            total += ring.drain(entry ->
            {
                final int producer = (int)ReturnRing.generation(entry);
                final int sequence = ReturnRing.first(entry);
                if (seen[producer].get(sequence) || sequence <= last[producer])
                {
                    problem.compareAndSet(null, "entry " + producer + "/" + sequence + " twice or out of order");
                }
                seen[producer].set(sequence);
                last[producer] = sequence;
            }, 16);
        }
        for (final Thread thread : threads)
        {
            thread.join(10_000);
        }
        assertNull(failure.get(), () -> "seed=" + seed + ": " + failure.get());
        assertNull(problem.get(), () -> "seed=" + seed + ": " + problem.get());
        for (int p = 0; p < producers; p++)
        {
            assertEquals(perProducer, seen[p].cardinality(), "seed=" + seed + " producer " + p);
        }
        assertTrue(ring.isEmpty());
    }
}
