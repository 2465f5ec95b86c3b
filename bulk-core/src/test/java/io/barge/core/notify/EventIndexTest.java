package io.barge.core.notify;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventIndexTest
{
    // Fixed cases: old, new, event, crossed. Xen's rule: notify iff event in (old, new].
    @ParameterizedTest
    @CsvSource({
        "0, 1, 1, true",
        "0, 1, 0, false",
        "0, 1, 2, false",
        "5, 9, 6, true",
        "5, 9, 9, true",
        "5, 9, 5, false",
        "5, 9, 10, false",
        "5, 5, 5, false",
        "5, 5, 6, false",
        // across the 32-bit wrap
        "-2, 2, -1, true",
        "-2, 2, 0, true",
        "-2, 2, 2, true",
        "-2, 2, 3, false",
        "-2, 2, -2, false",
        "2147483647, -2147483647, -2147483648, true",
    })
    void ringIndices(final int oldIndex, final int newIndex, final int event, final boolean crossed)
    {
        assertEquals(crossed, EventIndex.crossed(oldIndex, newIndex, event));
    }

    @ParameterizedTest
    @CsvSource({
        "0, 1, 1, true",
        "10, 20, 15, true",
        "10, 20, 10, false",
        "10, 20, 21, false",
        // Rbufs' "never" wake word
        "10, 20, 9223372036854775807, false",
        "0, 9223372036854775806, 9223372036854775807, false",
        // across the 64-bit wrap
        "-1, 1, 0, true",
        "-1, 1, -1, false",
    })
    void eventCounts(final long oldIndex, final long newIndex, final long event, final boolean crossed)
    {
        assertEquals(crossed, EventIndex.crossed(oldIndex, newIndex, event));
    }

    @Test
    void countsReachTheDomainInBatchesAndOnFlush()
    {
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(16); Kernel kernel = new Kernel(memory))
        {
            final Domain domain = kernel.createDomain("end");
            final EventIndex.Counts counts = new EventIndex.Counts(domain, 4);
            assertTrue(counts.record(true));
            assertFalse(counts.record(false));
            assertFalse(counts.record(false));
            assertEquals(0, domain.counter(CounterType.NOTIFICATIONS_SENT), "not yet a batch");
            counts.record(false);
            assertEquals(1, domain.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(3, domain.counter(CounterType.NOTIFICATIONS_SUPPRESSED));
            counts.record(true);
            counts.flush();
            assertEquals(2, domain.counter(CounterType.NOTIFICATIONS_SENT));
            assertEquals(2, counts.sent());
            assertEquals(3, counts.suppressed());
            assertThrows(IllegalArgumentException.class, () -> new EventIndex.Counts(domain, 0));
        }
    }
}
