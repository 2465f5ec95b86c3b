package io.barge.bench.cli;

import io.barge.bench.cli.BargeCliTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.barge.bench.cli.BargeCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barge cross-process}: four children started, run one at a time in short windows, each delivering whole
 * messages, the ratios printed, every child gone afterwards; bad options are usage errors before any child starts.
 */
@Timeout(180)
class CrossProcessCommandTest
{
    private static final String WINDOW = " ([0-9,]+) msg/s \\[(near|far|mixed) \\d+/\\d+ ns\\]";
    private static final String RATIO = " ([0-9.]+|n/a \\((?:near|far|mixed) vs (?:near|far|mixed)\\))";
    private static final Pattern ROUND = Pattern.compile("(?m)^round (\\d+):  rbufs" + WINDOW + "  fbufs" + WINDOW +
        "  ring" + WINDOW + "  aeron" + WINDOW + "  rbufs/aeron" + RATIO + "  fbufs/aeron" + RATIO);

    @Test
    void everyStreamDeliversInEveryWindowAndTheChildrenEnd()
    {
        final long childrenBefore = children();
        final Run run = run("cross-process", "--size", "4k", "--touch", "--window-ms", "150", "--warmup-ms", "200",
            "--rounds", "2");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("cross-process: rbufs, fbufs, ring, aeron, 4,096 B messages, receiver touching " +
            "every byte, children filling every word; 2 rounds (after 1 left out) of 150 ms windows (200 ms warm-up each), one child " +
            "running at a time; each window between two placement probes of 2000 round trips, near if p50 < 400 ns"),
            run::all);
        final Matcher round = ROUND.matcher(run.out());
        final long[] delivered = new long[4];
        int rounds = 0;
        while (round.find())
        {
            rounds++;
            assertEquals(rounds, Integer.parseInt(round.group(1)), run::all);
            for (int s = 0; s < 4; s++)
            {
                delivered[s] += Long.parseLong(round.group(2 + 2 * s).replace(",", ""));
            }
            final double aeron = Long.parseLong(round.group(8).replace(",", ""));
            checkRatio(round.group(2), round.group(3), aeron, round.group(9), round.group(10), run);
            checkRatio(round.group(4), round.group(5), aeron, round.group(9), round.group(11), run);
        }
        assertEquals(2, rounds, run::all);
        assertTrue(run.out().contains("\nwarm-up round 1:  rbufs "), run::all);
        // A window can be starved on a loaded machine; over the run every stream must have delivered.
        for (final long messages : delivered)
        {
            assertTrue(messages > 0, run::all);
        }
        assertTrue(run.out().matches("(?s).*\\nmixed windows \\(left out\\): \\d of 8\\R.*"), run::all);
        assertEquals(childrenBefore, children(), "every child ended (none left stopped)");
    }

    /** A ratio is printed only between windows of one placement, and then it is the rates' quotient. */
    private static void checkRatio(final String rate, final String placement, final double aeron,
        final String aeronPlacement, final String printed, final Run run)
    {
        if (!placement.equals(aeronPlacement) || "mixed".equals(placement))
        {
            assertEquals("n/a (" + placement + " vs " + aeronPlacement + ")", printed, run::all);
        }
        else if (aeron > 0)
        {
            final double expected = Long.parseLong(rate.replace(",", "")) / aeron;
            assertEquals(expected, Double.parseDouble(printed), 0.01 + expected * 0.01, run::all);
        }
    }

    @Test
    void theXenStreamDeliversBesideAeron()
    {
        final long childrenBefore = children();
        final Run run = run("cross-process", "--streams", "xen,aeron", "--size", "4k", "--window-ms", "150",
            "--warmup-ms", "200", "--rounds", "1", "--warmup-rounds", "0");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(delivered(run, "xen") > 0, run::all);
        assertTrue(delivered(run, "aeron") > 0, run::all);
        assertTrue(run.out().contains("xen/aeron "), run::all);
        assertEquals(childrenBefore, children(), "every child ended (none left stopped)");
    }

    @Test
    void theSpiStreamsDeliverBesideTheSameTransportsInOneProcess()
    {
        final long childrenBefore = children();
        final long threadsBefore = localSenders();
        final Run run = run("cross-process", "--streams", "rbufs-spi,fbufs,rbufs-local,fbufs-local,xen-local",
            "--size", "4k", "--touch", "--window-ms", "150", "--warmup-ms", "200", "--rounds", "1", "--warmup-rounds", "0");

        assertEquals(0, run.exitCode(), run::all);
        for (final String stream : new String[]{ "rbufs-spi", "fbufs", "rbufs-local", "fbufs-local", "xen-local" })
        {
            assertTrue(delivered(run, stream) > 0, stream + ": " + run.all());
        }
        assertTrue(run.out().contains("rbufs-spi/xen-local "), run::all);
        assertEquals(childrenBefore, children(), "every child ended (none left stopped)");
        assertEquals(threadsBefore, localSenders(), "every in-process sender ended");
    }

    @Test
    void badOptionsAreUsageErrors()
    {
        expectUsage("--size=131072 must be at most 64k with the xen stream", "--streams", "xen,aeron", "--size",
            "128k");
        expectUsage("--size=131072 must be at most 64k with the xen stream", "--streams", "xen-local,aeron",
            "--size", "128k");
        expectUsage("--streams rbufs,tcp: give distinct names from rbufs,rbufs-spi,fbufs,xen,ring,rbufs-local," +
            "fbufs-local,xen-local,aeron", "--streams", "rbufs,tcp");
        expectUsage("--streams ring,ring: give distinct names", "--streams", "ring,ring");
        expectUsage("--window-ms=5 must be in [10, 60000]", "--window-ms", "5");
        expectUsage("--warmup-ms=-1 must be in [0, 60000]", "--warmup-ms", "-1");
        expectUsage("--rounds=0 must be in [1, 1000]", "--rounds", "0");
        expectUsage("--size=4 must be in [8, 1m]", "--size", "4");
        expectUsage("--warmup-rounds=-1 must be in [0, 100]", "--warmup-rounds", "-1");
        expectUsage("--probe-round-trips=0 must be in [1, 1000000]", "--probe-round-trips", "0");
        expectUsage("--threshold-ns=0 must be at least 1", "--threshold-ns", "0");
    }

    private static void expectUsage(final String message, final String... options)
    {
        final String[] args = new String[options.length + 1];
        args[0] = "cross-process";
        System.arraycopy(options, 0, args, 1, options.length);
        final Run run = run(args);
        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains(message), run::all);
    }

    /** @return the stream's rates summed over the round lines (one window each). */
    private static long delivered(final Run run, final String stream)
    {
        final Matcher window = Pattern.compile("  " + Pattern.quote(stream) + " ([0-9,]+) msg/s \\[")
            .matcher(run.out());
        long total = 0;
        while (window.find())
        {
            total += Long.parseLong(window.group(1).replace(",", ""));
        }
        return total;
    }

    private static long localSenders()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter((thread) -> thread.getName().startsWith("barge-local-sender-")).count();
    }

    private static long children()
    {
        return ProcessHandle.current().children().count();
    }
}
