package io.barge.core.copy;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.testkit.CloseRace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

/**
 * {@code Channel.close()} from another thread while the owner thread loops in tryClaim/commit/poll/release
 * (issue 15, item 7), over seeded modes of the copy transport ({@link CloseRace}).
 */
@Timeout(60)
class CopyCloseRaceTest
{
    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(8192);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @ParameterizedTest
    @ValueSource(longs = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })
    void closeFromAnotherThreadStopsTheOwnerAndLeaksNothing(final long seed) throws Exception
    {
        CloseRace.closeFromAnotherThread(kernel, "copy", random -> Map.of(), seed);
    }
}
