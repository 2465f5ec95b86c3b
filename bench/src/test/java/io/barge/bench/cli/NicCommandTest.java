package io.barge.bench.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barge nic}: a short run per path prints its figures; impossible settings are usage errors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NicCommandTest
{
    private static String[] run(final String... args)
    {
        final BargeCliTest.Run run = BargeCliTest.run(args); // the CLI in-process, output captured
        return new String[]{ Integer.toString(run.exitCode()), run.out(), run.err() };
    }

    @ParameterizedTest
    @ValueSource(strings = { "xen", "rbufs", "fbufs" })
    void aShortRunPrintsRatesLatencyAndCountersPerPacket(final String path)
    {
        final String[] run = run("nic", "--path", path, "--grants", "map", "--guests", "2", "--size", "128",
            "--seconds", "0.3");
        final String all = String.join("\n---\n", run);
        assertEquals("0", run[0], all);
        for (final String expected : List.of("packets/s", "bytes/s", "p50", "p99", "DMA_PINS", "DMA_BYTES",
            "INTERRUPTS_DELIVERED", "GRANT_MAPS", "NOTIFICATIONS_SENT", "NOTIFICATIONS_SUPPRESSED"))
        {
            assertTrue(run[1].contains(expected), expected + " missing: " + all);
        }
    }

    @Test
    void threadsPlacementRuns()
    {
        final String[] run = run("nic", "--placement", "THREADS", "--seconds", "0.3");
        assertEquals("0", run[0], String.join("\n---\n", run));
        assertTrue(run[1].contains("packets/s"), run[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = { "--path=virtio", "--size=8", "--guests=0", "--grants=lend", "--size=3000", "--mtu=1500", "--pins=some" })
    void impossibleSettingsAreUsageErrors(final String bad)
    {
        final String[] run = run("nic", bad, "--seconds", "0.1");
        assertEquals("2", run[0], String.join("\n---\n", run));
    }
}
