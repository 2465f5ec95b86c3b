package io.barge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A destroyed domain's counters: a count that comes after the destroy (a transport or device still holding the
 * domain) goes to the kernel's retired totals and never into a counter of a domain created since, whose counters
 * would otherwise reuse the freed slots; the dead domain reads as it stood; churn beyond the counters' room works.
 */
@Timeout(30)
class DomainCounterRetireTest
{
    @Test
    void aCountAfterTheDestroyGoesToTheRetiredTotalsNotToANewerDomain()
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1))
        {
            final Domain dead = kernel.createDomain("dead");
            dead.count(CounterType.NOTIFICATIONS_SENT, 3);
            kernel.destroyDomain(dead);
            final Domain fresh = kernel.createDomain("fresh"); // allocates counters after the dead ones were retired
            final long totalBefore = kernel.counters().total(CounterType.NOTIFICATIONS_SENT);

            dead.count(CounterType.NOTIFICATIONS_SENT, 5);

            assertEquals(0, fresh.counter(CounterType.NOTIFICATIONS_SENT), "the newer domain's counter is untouched");
            assertEquals(totalBefore + 5, kernel.counters().total(CounterType.NOTIFICATIONS_SENT),
                "the late count is in the totals");
            assertEquals(3, dead.counter(CounterType.NOTIFICATIONS_SENT), "the dead domain reads as destroyed");
        }
    }

    @Test
    void domainsCreatedAndDestroyedFarBeyondTheCountersRoomStillGetCounters()
    {
        final int maxDomains = 2;
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(64);
            Kernel kernel = new Kernel(memory, 1 << 12, maxDomains))
        {
            long sent = 0;
            for (int i = 0; i < 50 * maxDomains; i++) // each destroy quarantines a domain's worth of counters
            {
                final Domain domain = kernel.createDomain("d" + i);
                domain.count(CounterType.NOTIFICATIONS_SENT, i);
                sent += i;
                assertEquals(i, domain.counter(CounterType.NOTIFICATIONS_SENT));
                kernel.destroyDomain(domain);
            }
            assertEquals(sent, kernel.counters().total(CounterType.NOTIFICATIONS_SENT));
        }
    }
}
