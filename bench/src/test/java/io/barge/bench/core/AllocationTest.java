package io.barge.bench.core;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steady-state send and receive allocate nothing: after a warm-up, 200,000 messages through a link on one thread
 * allocate less than a few KiB in total (the JIT and the measurement itself may allocate a little; a per-message
 * allocation of even one small object would be megabytes). JMH's {@code -prof gc} on
 * {@code UmpSendReceiveBenchmark} gives the per-operation figure.
 */
@Timeout(60)
class AllocationTest
{
    private static final int MESSAGES = 200_000;
    private static final long BUDGET_BYTES = 16 * 1024;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void run(final SpscLink link, final int messages)
    {
        for (int i = 0; i < messages; i++)
        {
            if (!link.offer(i) || link.drain(1) != 1)
            {
                throw new IllegalStateException("message " + i + " not delivered");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump" })
    void steadyStateSendAndReceiveAllocateNothing(final String impl)
    {
        try (Machine machine = new Machine(1024);
            SpscLink link = "ump".equals(impl) ? Links.ump(machine, 1024) : new AgronaLink(1024))
        {
            run(link, MESSAGES); // warm-up: class loading, JIT
            final long before = allocatedBytes();
            run(link, MESSAGES);
            final long allocated = allocatedBytes() - before;

            assertTrue(allocated < BUDGET_BYTES, impl + " allocated " + allocated + " bytes for " + MESSAGES +
                " messages");
        }
    }
}
