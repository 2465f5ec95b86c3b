package io.barge.bench.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BargeCliTest
{
    /** Output of one in-process run. */
    record Run(int exitCode, String out, String err)
    {
        String all()
        {
            return "exit=" + exitCode + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    static Run run(final String... args)
    {
        final CommandLine cli = BargeCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static List<String> commands()
    {
        return new ArrayList<>(BargeCli.commandLine().getSubcommands().keySet());
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandHasHelp(final String command)
    {
        final String primaryName = BargeCli.commandLine().getSubcommands().get(command).getCommandName();

        final Run run = run(command, "--help");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("Usage: barge " + primaryName), run::all);
    }

    @Test
    void topLevelHelpListsTheCommands()
    {
        final Run run = run("--help");

        assertEquals(0, run.exitCode(), run::all);
        for (final String command : List.of("pipeline", "transports", "bench", "ump-vs-agrona", "ping-pong"))
        {
            assertTrue(run.out().contains(command), run::all);
        }
    }

    @Test
    void subcommandsPlugInThroughServiceLoader()
    {
        final Run run = run("extra-test");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("extra ran"), run::all);
    }

    @Test
    void noCommandIsAUsageError()
    {
        final Run run = run();

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("missing command"), run::all);
    }

    @Test
    void unknownCommandIsAUsageError()
    {
        final Run run = run("pipelin");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("pipeline"), "suggests the near miss: " + run.all());
    }

    @Test
    void unknownTransportIsAUsageErrorListingTheInstalledOnes()
    {
        final Run run = run("pipeline", "--transport", "nope");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("unknown transport 'nope'"), run::all);
        assertTrue(run.err().contains("test-loopback"), run::all);
        assertTrue(run.err().contains("copy"), run::all);
    }

    @Test
    void unknownUmpReferenceIsAUsageError()
    {
        final Run run = run("ump-vs-agrona", "--against", "nope");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("--against must be agrona or floor, not nope"), run::all);
    }

    @Test
    void unknownOptionKeyIsAUsageErrorListingTheValidKeys()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "--option", "colour=red");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("no option 'colour'"), run::all);
        assertTrue(run.err().contains("zero=true|false") && run.err().contains("flavour=plain|fancy"), run::all);
    }

    @Test
    void badOptionValueIsAUsageErrorListingTheValidValues()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "-o", "flavour=sour");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("flavour=sour") && run.err().contains("plain|fancy"), run::all);
    }

    @Test
    void impossibleSettingIsAUsageErrorStatingTheRule()
    {
        final Run domains = run("pipeline", "-t", "test-loopback", "--domains", "1");
        final Run size = run("pipeline", "-t", "test-loopback", "--size", "2m");
        final Run notify = run("pipeline", "-t", "test-loopback", "--notify", "carrier-pigeon");
        final Run flag = run("pipeline", "--no-such-flag");

        assertEquals(2, domains.exitCode(), domains::all);
        assertTrue(domains.err().contains("domains=1"), domains::all);
        assertEquals(2, size.exitCode(), size::all);
        assertTrue(size.err().contains("size=2097152"), size::all);
        assertEquals(2, notify.exitCode(), notify::all);
        assertTrue(notify.err().contains("UMP") && notify.err().contains("LMP"), notify::all);
        assertEquals(2, flag.exitCode(), flag::all);
    }

    @Test
    void pipelineRunsAndPrintsItsFigures()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "-d", "4", "-n", "2000", "-s", "1k",
            "--capacity", "16", "--touch", "--memory-mib", "16");

        assertEquals(0, run.exitCode(), run::all);
        for (final String expected : List.of("msgs/s", "MB/s", "p50", "p90", "p99", "p99.9", "max",
            "bytes copied", "frames allocated", "frames  all"))
        {
            assertTrue(run.out().contains(expected), expected + " missing: " + run.all());
        }
        assertFalse(run.out().contains("WARNING"), run::all);
        // Two threads (the default): the vCPU placement the figures were measured in, by a probe either side.
        assertTrue(run.out().matches("(?s).*\\nplacement  (near|far|mixed) \\(probe p50 \\d+ ns before, \\d+ ns " +
            "after; near if < 400 ns\\): compare two-thread runs of one placement only\\R.*"), run::all);
    }

    @Test
    void aOneThreadPipelineHasNoPlacementToTell()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "-n", "500", "-s", "1k", "--threads", "1",
            "--capacity", "16", "--memory-mib", "16");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("msgs/s"), run::all);
        assertFalse(run.out().contains("placement  "), run::all);
    }

    @Test
    void aTransportPerHopRunsOverTheDriversPipelineAndCopiesWhereTheTransportChanges()
    {
        final Run run = run("pipeline", "-t", "test-loopback,copy,test-loopback", "-n", "500", "-s", "1k",
            "--warmup", "0", "--capacity", "8", "--memory-mib", "16");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("copied forwards  1000"), run::all);
        assertTrue(run.out().contains("test-loopback") && run.out().contains("copy"), run::all);
        assertFalse(run.out().contains("WARNING"), run::all);
    }

    @Test
    void aSingleTransportNameMeansEveryHopAndOptionsGoToTheTransportNamed()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "--hops", "3", "-n", "300", "-s", "1k",
            "-o", "test-loopback.flavour=fancy", "--memory-mib", "16");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("forward-1 -> forward-2 -> sink"), run::all);
        assertTrue(run.out().contains("flavour=fancy"), run::all);
    }

    @Test
    void hopsAndTransportsThatDisagreeAreAUsageError()
    {
        final Run count = run("pipeline", "-t", "copy,copy", "--hops", "3");
        final Run both = run("pipeline", "--hops", "3", "--domains", "3");
        final Run unused = run("pipeline", "-t", "copy,test-loopback", "-o", "colour=red");

        assertEquals(2, count.exitCode(), count::all);
        assertTrue(count.err().contains("2 transports for 3 hops"), count::all);
        assertEquals(2, both.exitCode(), both::all);
        assertTrue(both.err().contains("disagree"), both::all);
        assertEquals(2, unused.exitCode(), unused::all);
        assertTrue(unused.err().contains("'colour'"), unused::all);
    }

    @Test
    void tooLittleSimulatedMemoryIsAUsageErrorThatSaysWhatToChange()
    {
        final Run run = run("pipeline", "-t", "test-loopback", "-s", "1m", "--capacity", "64", "--memory-mib", "16");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("too small") && run.err().contains("--memory-mib"), run::all);
    }

    @Test
    void transportsListsProvidersWithTheirOptions()
    {
        final Run run = run("transports");

        assertEquals(0, run.exitCode(), run::all);
        assertTrue(run.out().contains("test-loopback"), run::all);
        assertTrue(run.out().contains("--option flavour=plain|fancy"), run::all);
    }

    @Test
    void benchPassesEveryArgumentToJmhUntouched()
    {
        final CommandLine cli = BargeCli.commandLine();
        final CommandLine.ParseResult parsed = cli.parseArgs("bench", "-f", "1", "UmpVsAgrona", "-prof", "gc", "-h",
            "-wi", "2");

        final BenchCommand bench = parsed.subcommand().commandSpec().commandLine().getCommand();

        assertEquals(List.of("-f", "1", "UmpVsAgrona", "-prof", "gc", "-h", "-wi", "2"), bench.jmhArgs);
    }

    @Test
    void byteSizesTakeSuffixes()
    {
        final Cli.ByteSize size = new Cli.ByteSize();

        assertEquals(4096, size.convert("4096"));
        assertEquals(65536, size.convert("64k"));
        assertEquals(65536, size.convert("64KiB"));
        assertEquals(1 << 20, size.convert("1m"));
    }

    @Test
    void byteSizeRejectsGarbage()
    {
        final Run run = run("pipeline", "--size", "lots");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("'lots' is not a byte size"), run::all);
    }
}
