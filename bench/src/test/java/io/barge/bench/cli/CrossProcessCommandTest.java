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
    private static final Pattern ROUND = Pattern.compile(
        "round (\\d+):  rbufs ([0-9,]+) msg/s  fbufs ([0-9,]+) msg/s  ring ([0-9,]+) msg/s  aeron ([0-9,]+) msg/s  " +
        "rbufs/aeron ([0-9.]+|n/a)  fbufs/aeron ([0-9.]+|n/a)");
    private static final Pattern MEDIAN = Pattern.compile(
        "median:  rbufs ([0-9,]+) msg/s  fbufs ([0-9,]+) msg/s  ring ([0-9,]+) msg/s  aeron ([0-9,]+) msg/s");

    @Test
    void everyStreamDeliversInEveryWindowAndTheChildrenEnd()
    {
        final long childrenBefore = children();
        final Run run = run("cross-process", "--size", "4k", "--touch", "--window-ms", "150", "--warmup-ms", "200",
            "--rounds", "2");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("cross-process: rbufs, fbufs, ring, aeron, 4,096 B messages, receiver touching " +
            "every byte, children filling every word; 2 rounds of 150 ms windows"), run::all);
        final Matcher round = ROUND.matcher(run.out());
        int rounds = 0;
        while (round.find())
        {
            rounds++;
            assertEquals(rounds, Integer.parseInt(round.group(1)), run::all);
            final double rbufs = Long.parseLong(round.group(2).replace(",", ""));
            final double fbufs = Long.parseLong(round.group(3).replace(",", ""));
            final double aeron = Long.parseLong(round.group(5).replace(",", ""));
            if (aeron > 0)
            {
                assertEquals(rbufs / aeron, Double.parseDouble(round.group(6)), 0.01 + rbufs / aeron * 0.01,
                    run::all);
                assertEquals(fbufs / aeron, Double.parseDouble(round.group(7)), 0.01 + fbufs / aeron * 0.01,
                    run::all);
            }
        }
        assertEquals(2, rounds, run::all);
        // A window can be starved on a loaded machine; over the run every stream must have delivered.
        final Matcher median = MEDIAN.matcher(run.out());
        assertTrue(median.find(), run::all);
        for (int g = 1; g <= 4; g++)
        {
            assertTrue(Long.parseLong(median.group(g).replace(",", "")) > 0, run::all);
        }
        assertTrue(run.out().contains("rbufs/aeron per round: median "), run::all);
        assertTrue(run.out().contains("fbufs/aeron per round: median "), run::all);
        assertTrue(run.out().contains("ring/aeron per round: median "), run::all);
        assertEquals(childrenBefore, children(), "every child ended (none left stopped)");
    }

    @Test
    void theXenStreamDeliversBesideAeron()
    {
        final long childrenBefore = children();
        final Run run = run("cross-process", "--streams", "xen,aeron", "--size", "4k", "--window-ms", "150",
            "--warmup-ms", "200", "--rounds", "1");

        assertEquals(0, run.exitCode(), run::all);
        final Matcher median = Pattern.compile("median:  xen ([0-9,]+) msg/s  aeron ([0-9,]+) msg/s")
            .matcher(run.out());
        assertTrue(median.find(), run::all);
        assertTrue(Long.parseLong(median.group(1).replace(",", "")) > 0, run::all);
        assertTrue(run.out().contains("xen/aeron per round: median "), run::all);
        assertEquals(childrenBefore, children(), "every child ended (none left stopped)");
    }

    @Test
    void theSpiStreamsDeliverBesideTheSameTransportsInOneProcess()
    {
        final long childrenBefore = children();
        final long threadsBefore = localSenders();
        final Run run = run("cross-process", "--streams", "rbufs-spi,fbufs,rbufs-local,fbufs-local,xen-local",
            "--size", "4k", "--touch", "--window-ms", "150", "--warmup-ms", "200", "--rounds", "1");

        assertEquals(0, run.exitCode(), run::all);
        final Matcher median = Pattern.compile("median:  rbufs-spi ([0-9,]+) msg/s  fbufs ([0-9,]+) msg/s  " +
            "rbufs-local ([0-9,]+) msg/s  fbufs-local ([0-9,]+) msg/s  xen-local ([0-9,]+) msg/s").matcher(run.out());
        assertTrue(median.find(), run::all);
        for (int g = 1; g <= 5; g++)
        {
            assertTrue(Long.parseLong(median.group(g).replace(",", "")) > 0, run::all);
        }
        assertTrue(run.out().contains("rbufs-spi/xen-local per round: median "), run::all);
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
