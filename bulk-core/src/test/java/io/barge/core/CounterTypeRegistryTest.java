package io.barge.core;

import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A module registers counter types of its own, after domains exist, and they behave like the core's: stable ids
 * and labels in the off-heap counters, per-domain counts, retired totals.
 */
class CounterTypeRegistryTest
{
    // Ids far from the core's and the grant tables' so that other tests in this JVM never collide with them.
    private static final CounterType WIDGETS = CounterType.register(1001, "TEST_WIDGETS", "test widgets");

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void coreIdsNeverChange()
    {
        // Fixed data: the ids other processes and reports find the counters by.
        assertEquals(1, CounterType.FRAMES_ALLOCATED.id());
        assertEquals(5, CounterType.TLB_FLUSHES.id());
        assertEquals(9, CounterType.NOTIFICATIONS_SUPPRESSED.id());
        assertEquals(13, CounterType.REJECTED_READS.id());
        assertSame(CounterType.TLB_FLUSHES, CounterType.fromId(5));
        assertEquals("translation-cache flushes", CounterType.TLB_FLUSHES.label());
    }

    @Test
    void aTypeRegisteredAfterADomainExistsIsCountedForIt()
    {
        final Domain early = kernel.createDomain("early");
        final CounterType late = CounterType.register(1002, "TEST_LATE", "test late arrivals");
        early.count(late, 3);
        early.count(WIDGETS, 2);
        assertEquals(3, early.counter(late));
        assertEquals(2, early.counter(WIDGETS));

        final List<String> labels = new ArrayList<>();
        final CountersReader reader = kernel.counters().reader();
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == 1002 && keyBuffer.getInt(0) == early.id())
            {
                labels.add(label + "=" + reader.getCounterValue(counterId));
            }
        });
        assertEquals(List.of("early: test late arrivals=3"), labels);

        kernel.destroyDomain(early);
        assertEquals(3, kernel.counters().total(late), "a destroyed domain's count stays in the retired total");
        final long[] totals = kernel.counters().totals(new long[CounterType.count()]);
        assertEquals(3, totals[late.ordinal()]);
    }

    @Test
    void registrationIsIdempotentAndIdsAreNotShared()
    {
        assertSame(WIDGETS, CounterType.register(1001, "TEST_WIDGETS", "test widgets"));
        final IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
            () -> CounterType.register(1001, "TEST_OTHER", "other"));
        assertTrue(taken.getMessage().contains("taken by TEST_WIDGETS"), taken.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CounterType.register(0, "TEST_ZERO", "zero"));
        assertThrows(IllegalArgumentException.class,
            () -> CounterType.register(CounterType.MAX_ID + 1, "TEST_BIG", "big"));
        assertNull(CounterType.fromId(1003));
    }

    @Test
    void aShortSnapshotArrayLeavesLaterTypesOut()
    {
        final Domain d = kernel.createDomain("d");
        final int length = CounterType.FRAMES_ZEROED.ordinal() + 1;
        final long before = kernel.counters().totals(new long[length])[CounterType.FRAMES_ZEROED.ordinal()];
        d.count(CounterType.FRAMES_ZEROED, 1);
        d.count(WIDGETS, 5); // a type whose ordinal lies past the array: left out, not an index error
        final long[] small = kernel.counters().totals(new long[length]);
        assertEquals(length, small.length);
        assertEquals(before + 1, small[CounterType.FRAMES_ZEROED.ordinal()]);
    }

}
