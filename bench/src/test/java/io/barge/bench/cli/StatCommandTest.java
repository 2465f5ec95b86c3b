package io.barge.bench.cli;

import io.barge.bench.cli.BargeCliTest.Run;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.machine.MachineFileDescriptor;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.barge.bench.cli.BargeCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barge stat} over a machine file: the domains and channels of a running kernel with their counters, a clear
 * message where no kernel runs, a refresh per interval; {@code barge pipeline --dir} leaves its machine to read.
 */
@Timeout(60)
class StatCommandTest
{
    /** The value printed for a counter in a group (the indented lines under its title), or -1 if missing. */
    private static long printed(final String out, final String group, final String label)
    {
        final int at = out.indexOf(group + "\n");
        if (at < 0)
        {
            return -1;
        }
        final String block = out.substring(at + group.length() + 1).split("\n(?=\\S)", 2)[0];
        final Matcher m = Pattern.compile("^\\s+\\d+ " + Pattern.quote(label) + "\\s+([\\d,]+)$", Pattern.MULTILINE)
            .matcher(block);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    @Test
    void onceShowsEveryDomainAndChannelOfARunningKernelWithItsCounters(@TempDir final Path dir)
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(8).maxDomains(8).machineDirectory(dir).build();
            Domain worker = kernel.createDomain("worker"); Domain source = kernel.createDomain("source");
            Domain sink = kernel.createDomain("sink"); Transport copy = Transports.create(kernel, "copy", Map.of()))
        {
            kernel.allocateFrame(worker, true);
            worker.count(CounterType.BYTES_COPIED, 1_234_567);
            final Channel channel = copy.open(source, sink, new ChannelConfig(4096, 4,
                ChannelConfig.Notification.UMP));
            final Claim claim = channel.sender().newClaim();
            assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
            channel.sender().commit(claim);

            final Run run = run("stat", "--dir", dir.toString(), "--once");

            assertEquals(0, run.exitCode(), run::all);
            assertTrue(run.out().contains("running: kernel pid " + ProcessHandle.current().pid()), run::all);
            final String workerTitle = "domain " + worker.id() + " \"worker\"";
            assertEquals(1, printed(run.out(), workerTitle, "frames allocated"), run::all);
            assertEquals(1, printed(run.out(), workerTitle, "frames zeroed"), run::all);
            assertEquals(1_234_567, printed(run.out(), workerTitle, "bytes copied"), run::all);
            assertTrue(run.out().contains("domain " + source.id() + " \"source\""), run::all);
            assertTrue(run.out().contains("domain " + sink.id() + " \"sink\""), run::all);
            assertTrue(run.out().contains("domain 0 \"kernel\""), run::all);
            final String channelTitle = "channel 1 \"copy source -> sink\" (domain " + source.id() + " -> " +
                sink.id() + ")";
            assertEquals(1, printed(run.out(), channelTitle, "messages sent"), run::all);
            assertEquals(64, printed(run.out(), channelTitle, "bytes sent"), run::all);
            assertEquals(-1, printed(run.out(), channelTitle, "messages received"), "zeros are left out");

            final Run zeros = run("stat", "--dir", dir.toString(), "--once", "--zeros");
            assertEquals(0, printed(zeros.out(), channelTitle, "messages received"), zeros::all);
            channel.close();
        }
    }

    @Test
    void noMachineIsAClearMessage(@TempDir final Path dir)
    {
        final Run run = run("stat", "--dir", dir.toString(), "--once");

        assertEquals(StatCommand.EXIT_NOT_RUNNING, run.exitCode(), run::all);
        assertTrue(run.out().contains("no Barge machine running in " + dir), run::all);
        assertTrue(run.out().contains("./barge pipeline --dir " + dir), run::all);
    }

    @Test
    void aClosedMachineIsNotRunningButItsLastCountersShow(@TempDir final Path dir)
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(1).maxDomains(4).machineDirectory(dir).build())
        {
            kernel.createDomain("brief").count(CounterType.TLB_FLUSHES, 3);
        }
        final Run run = run("stat", "--dir", dir.toString(), "--once");

        assertEquals(StatCommand.EXIT_NOT_RUNNING, run.exitCode(), run::all);
        assertTrue(run.out().contains("no Barge machine running in " + dir + " (closed: kernel pid"), run::all);
        assertEquals(3, printed(run.out(), "retired (destroyed domains)", "translation-cache flushes"), run::all);
    }

    @Test
    void aFileThatIsNotAMachineIsNamedAsSuch(@TempDir final Path dir) throws Exception
    {
        Files.write(dir.resolve(MachineFileDescriptor.FILE_NAME), new byte[4096]);
        final Run run = run("stat", "--dir", dir.toString(), "--once");

        assertEquals(StatCommand.EXIT_NOT_RUNNING, run.exitCode(), run::all);
        assertTrue(run.out().contains("not a Barge machine file"), run::all);
    }

    @Test
    void refreshesPrintASnapshotPerInterval(@TempDir final Path dir)
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(1).maxDomains(4).machineDirectory(dir).build())
        {
            kernel.createDomain("watched");
            final Run run = run("stat", "--dir", dir.toString(), "--interval", "10", "--count", "3");

            assertEquals(0, run.exitCode(), run::all);
            assertEquals(3, run.out().split("running: kernel pid", -1).length - 1, run::all);
            assertEquals(3, run.out().split("\"watched\"", -1).length - 1, run::all);
        }
    }

    @Test
    void badIntervalIsAUsageError(@TempDir final Path dir)
    {
        final Run run = run("stat", "--dir", dir.toString(), "--interval", "1");

        assertEquals(2, run.exitCode(), run::all);
        assertTrue(run.err().contains("--interval=1 must be at least 10 ms"), run::all);
    }

    @Test
    void pipelineWithADirLeavesItsMachineForStat(@TempDir final Path dir)
    {
        final Run pipeline = run("pipeline", "--dir", dir.toString(), "--messages", "2000", "--size", "4096",
            "--memory-mib", "32", "--warmup", "0");
        assertEquals(0, pipeline.exitCode(), pipeline::all);

        final Run stat = run("stat", "--dir", dir.toString(), "--once");
        assertEquals(StatCommand.EXIT_NOT_RUNNING, stat.exitCode(), stat::all);
        assertTrue(stat.out().contains("closed: kernel pid " + ProcessHandle.current().pid()), stat::all);
        assertTrue(printed(stat.out(), "retired (destroyed domains)", "bytes copied") >= 2 * 2000 * 4096L,
            stat::all);
        assertFalse(stat.out().contains("channel "), "the pipeline's channels closed with it:\n" + stat.out());
    }

    @Test
    void aDirectoryInUseIsRefusedToASecondPipeline(@TempDir final Path dir)
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(1).maxDomains(4).machineDirectory(dir).build())
        {
            final Run run = run("pipeline", "--dir", dir.toString(), "--messages", "10", "--size", "4096");

            assertEquals(2, run.exitCode(), run::all);
            assertFalse(kernel.machineFile().isDamaged(), "the first kernel is untouched");
            assertTrue(run.err().contains("--dir: " + dir + ": another kernel holds kernel.lock"), run::all);
        }
    }
}
