package io.barge.bench.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Warm-up lasts at least {@link Harness#MIN_WARMUP_NANOS} however short the iterations (quick runs' 20 ms floor
 * measured transports before the JIT had compiled them), never fewer iterations than asked, and never more than
 * {@link Harness#MAX_WARMUP_ITERATIONS} of them.
 */
class HarnessWarmupTest
{
    private static final long MS = 1_000_000L;

    @Test
    void shortIterationsWarmUpForTheMinimumTime()
    {
        assertEquals(15, Harness.warmupsFor(2, 20 * MS), "quick's floor: 15 x 20 ms = 300 ms");
        assertEquals(3, Harness.warmupsFor(2, 100 * MS), "3 x 100 ms");
        assertEquals(2, Harness.warmupsFor(2, 150 * MS), "2 x 150 ms is already 300 ms");
    }

    @Test
    void neverFewerThanAskedNorMoreThanTheCap()
    {
        assertEquals(5, Harness.warmupsFor(5, 1000 * MS));
        assertEquals(15, Harness.warmupsFor(1, 2 * MS), "tests' 2 ms iterations: capped at 15, 30 ms");
        assertEquals(20, Harness.warmupsFor(20, 2 * MS), "an explicit larger count stays");
    }
}
