package io.barge.bench.cli;

import io.barge.core.machine.MachineFile;
import io.barge.core.machine.MachineFileException;
import io.barge.core.machine.MachineReader;
import io.barge.core.machine.MachineSnapshot;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code barge stat}: reads the counters of a running Barge from its machine file (mapped read-only, never
 * written) and prints them per domain and per channel, refreshing as AeronStat does, or once.
 */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = {
        "Prints the counters of a running Barge machine per domain and per channel, read from its machine file " +
            "(read-only), refreshing every --interval until interrupted; --once prints one snapshot.",
        "Start a machine with a directory, e.g. `barge kernel --dir D` or `barge pipeline --dir D`, and watch it " +
            "with `barge stat --dir D` (a kernel's attached client processes are listed first). " +
            "Exit status: 0 if a kernel was running, 1 if none is (the last counters of a closed or dead one are " +
            "still printed), 2 for bad arguments."
    },
    sortOptions = false)
final class StatCommand implements Callable<Integer>
{
    /** Exit status when no kernel runs in the directory. */
    static final int EXIT_NOT_RUNNING = 1;
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "D",
        description = "The machine's directory (default: ${DEFAULT-VALUE}).")
    Path dir = MachineFile.defaultDirectory();

    @Option(names = "--once", description = "Print one snapshot and exit.")
    boolean once;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000",
        description = "Milliseconds between refreshes, at least 10 (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
        description = "Stop after N refreshes (default: until interrupted).")
    long count;

    @Option(names = "--zeros", description = "Print counters at zero too.")
    boolean zeros;

    private MachineReader reader;

    @Override
    public Integer call()
    {
        if (intervalMs < 10)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval=" + intervalMs +
                " must be at least 10 ms");
        }
        if (count < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count=" + count + " must not be negative");
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (once)
        {
            final int status = printOnce(out, false);
            detach();
            return status;
        }
        // Clearing is for a person at a terminal; piped output keeps every refresh.
        final boolean clear = System.console() != null;
        final IdleStrategy pause = new SleepingMillisIdleStrategy(intervalMs);
        int status = EXIT_NOT_RUNNING;
        for (long i = 0; count == 0 || i < count; i++)
        {
            if (i > 0)
            {
                pause.idle();
            }
            status = printOnce(out, clear);
        }
        detach();
        return status;
    }

    /**
     * Keeps one reader while its kernel runs; once it does not, attaches afresh next time, so that a kernel started
     * (or restarted) in the directory meanwhile is found.
     */
    private int printOnce(final PrintWriter out, final boolean clear)
    {
        final StringBuilder text = new StringBuilder();
        int status;
        try
        {
            if (reader == null)
            {
                reader = MachineReader.attach(dir);
            }
            final MachineSnapshot snapshot = reader.snapshot();
            status = snapshot.status().isRunning() ? 0 : EXIT_NOT_RUNNING;
            text.append(Instant.now()).append("  ").append(reader.file()).append('\n');
            if (status != 0)
            {
                text.append("no Barge machine running in ").append(dir).append(" (").append(
                    snapshot.status().describe()).append("); its last counters:\n");
            }
            else
            {
                text.append(snapshot.status().describe()).append('\n');
            }
            text.append(snapshot.format(zeros));
            if (status != 0)
            {
                detach();
            }
        }
        catch (final MachineFileException ex)
        {
            detach();
            status = EXIT_NOT_RUNNING;
            text.append(Instant.now()).append("  no Barge machine running in ").append(dir).append(": ")
                .append(ex.getMessage()).append('\n');
            if (ex.reason() == MachineFileException.Reason.NOT_FOUND)
            {
                text.append("start one with a directory, e.g. ./barge pipeline --dir ").append(dir).append('\n');
            }
        }
        out.print(clear ? CLEAR_SCREEN + text : text);
        out.flush();
        return status;
    }

    private void detach()
    {
        if (reader != null)
        {
            reader.close();
            reader = null;
        }
    }
}
