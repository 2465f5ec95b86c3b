package io.barge.bench.report;

import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import io.barge.fbufs.FbufTransportProvider;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code barge report}: measures every installed transport and mode side by side with reference points in the
 * same run, and writes {@code index.html}, {@code results.json} and the charts into {@code --out}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {
        "Measures every installed transport and mode over message sizes 64 B .. 1 MiB (receiver touching the " +
            "bytes or not), pipelines of 1/2/4/8 hops at 64 KiB, two-thread crossings at 64 B, 4 KiB, 64 KiB and " +
            "1 MiB (quick: 64 B and 64 KiB) tagged by vCPU placement, each beside the cross-core limit (a pool of " +
            "buffers handed over by index, every byte touched), Aeron IPC and, at 64 B, Agrona's ring buffer, and " +
            "reference points (memory read and copy, Netty's pooled allocator and composite buffer), packets/s " +
            "through the driver domain per NIC path at 64 B and 1500 B beside the copying NicDriver (quick: 64 B) " +
            "with the counters per packet, and pipeline scaling per chain of transports (mixed included) on own " +
            "threads and one thread as ratios to 1 hop; writes index.html, results.json and the charts.",
        "Each measurement group runs in a fresh JVM with warm-up and several measured iterations."})
public final class ReportCommand implements Callable<Integer>
{
    /** A progress message that names the step now starting (others mark a finished step). */
    static final String STARTING = "> ";

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "A short run: 4 sizes, shorter iterations (each measurement still " +
        "warms up 300 ms); about 3-4 minutes.")
    private boolean quick;

    @Option(names = "--out", paramLabel = "<dir>", defaultValue = "report",
        description = "Output folder (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--transports", split = ",", paramLabel = "<name>",
        description = "Transports to measure (default: every installed one).")
    private List<String> transports;

    @Option(names = "--mode", paramLabel = "<transport:mode>",
        description = "Only this mode (repeatable): transport:mode as an unknown --mode lists them, e.g. copy:default.")
    private List<String> modes;

    @Option(names = "--sizes", split = ",", paramLabel = "<size>",
        description = "Message sizes, e.g. 64,4K,64K,1M (default: 64 B .. 1 MiB by 4x; quick: 64,4K,64K,1M).")
    private List<String> sizes;

    @Option(names = "--compare", paramLabel = "<results.json>",
        description = "An earlier results.json: show what got faster or slower.")
    private Path compare;

    @Option(names = "--no-fork", hidden = true,
        description = "Measure in this JVM instead of a fresh JVM per group (for tests).")
    private boolean noFork;

    @Option(names = "--no-progress", hidden = true, description = "No progress bar.")
    private boolean noProgress;

    @Option(names = "--iteration-millis", hidden = true, description = "Fixed iteration length (for tests).")
    private Double iterationMillis;

    @Option(names = "--iterations", hidden = true, description = "Measured iterations.")
    private Integer iterations;

    @Option(names = "--warmups", hidden = true, description = "Warm-up iterations.")
    private Integer warmups;

    @Option(names = "--hops", split = ",", hidden = true, description = "Pipeline lengths.")
    private List<Integer> hops;

    @Option(names = "--two-thread-rounds", hidden = true, description = "Alternating windows per two-thread row.")
    private Integer twoThreadRounds;

    @Option(names = "--two-thread-sizes", split = ",", hidden = true, paramLabel = "<size>",
        description = "Two-thread message sizes (default: 64,4K,64K,1M; quick: 64,64K).")
    private List<String> twoThreadSizeNames;

    @Option(names = "--placement-threshold-ns", defaultValue = "400", hidden = true,
        description = "Probe p50 below which a placement is near (default: ${DEFAULT-VALUE}).")
    private long placementThreshold;

    @Option(names = "--probe-round-trips", defaultValue = "2000", hidden = true,
        description = "Round trips per placement probe (default: ${DEFAULT-VALUE}).")
    private int probeRoundTrips;

    @Option(names = "--memory-frames", defaultValue = "32768", hidden = true,
        description = "4 KiB frames of simulated memory per group (default: ${DEFAULT-VALUE}).")
    private int memoryFrames;

    private final Supplier<List<TransportProvider>> installed;

    /**
     * A command over the transports installed on the class path.
     */
    public ReportCommand()
    {
        this(Transports::installed);
    }

    ReportCommand(final Supplier<List<TransportProvider>> installed)
    {
        this.installed = installed;
    }

    /**
     * Runs the report on its own (the {@code barge} CLI registers this command as {@code barge report}).
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(new picocli.CommandLine(new ReportCommand()).execute(args));
    }

    /**
     * Checks every input, then measures, then writes the outputs.
     *
     * @return 0 on success.
     * @throws Exception if a measurement or a write fails.
     */
    @Override
    public Integer call() throws Exception
    {
        final List<TransportProvider> providers = installed.get();
        final List<ModeSpec> selected;
        final List<Integer> sizeList;
        final ReportModel.Results older;
        try
        {
            selected = Selection.modes(providers, transports, modes);
            sizeList = sizes == null ? (quick ? Settings.QUICK_SIZES : Settings.FULL_SIZES) : Selection.sizes(sizes);
            older = compare == null ? null : ResultsJson.readForCompare(compare);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ParameterException(spec.commandLine(), ex.getMessage(), ex);
        }
        final Path dir = checkWritable(out);
        final List<Integer> twoThreadSizes;
        try
        {
            twoThreadSizes = twoThreadSizeNames != null ? Selection.sizes(twoThreadSizeNames) :
                quick ? Settings.QUICK_TWO_THREAD_SIZES : Settings.TWO_THREAD_SIZES;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ParameterException(spec.commandLine(), ex.getMessage(), ex);
        }
        final Settings settings = settings(sizeList, twoThreadSizes, selected.size());
        final List<Group> groups = plan(selected);
        final PrintWriter stdout = spec.commandLine().getOut();
        if (providers.isEmpty())
        {
            stdout.println("warning: no transport is installed; measuring the references only");
        }
        final ReportModel.GroupOutput measured = measure(settings, groups, providers, dir);
        final ReportModel.Results results = Assembly.assemble(settings, providers, selected, measured,
            !noFork, compare == null ? null : compare.toString(), older);
        Assembly.write(results, dir);
        Assembly.summarise(results, dir, stdout);
        if (!results.failures().isEmpty())
        {
            final PrintWriter stderr = spec.commandLine().getErr();
            stderr.println("some measurements failed (the report shows them):");
            results.failures().forEach((f) -> stderr.println("  " + f));
            stderr.flush();
            return 1;
        }
        return 0;
    }

    private Path checkWritable(final Path dir)
    {
        try
        {
            Files.createDirectories(dir);
            final Path probe = Files.createTempFile(dir, ".barge-write-check", ".tmp");
            Files.delete(probe);
            return dir;
        }
        catch (final IOException | UnsupportedOperationException | SecurityException ex)
        {
            throw new ParameterException(spec.commandLine(), "--out " + dir + " is not a writable folder (" +
                ex.getClass().getSimpleName() + ": " + ex.getMessage() + "); nothing was measured");
        }
    }

    private Settings settings(final List<Integer> sizeList, final List<Integer> twoThreadSizes, final int modeCount)
    {
        final List<Integer> hopList = hops != null ? hops : Settings.HOPS;
        final int rounds = twoThreadRounds != null ? twoThreadRounds : quick ? 2 : 4;
        final int warm = warmups != null ? warmups : quick ? 2 : 3;
        final int measured = iterations != null ? iterations : quick ? 3 : 5;
        final Settings draft = new Settings(quick, sizeList, hopList, Settings.PIPELINE_BYTES, twoThreadSizes,
            rounds, warm, measured, 1, 1, placementThreshold, memoryFrames, probeRoundTrips);
        long nanos;
        if (iterationMillis != null)
        {
            nanos = Math.max(1, (long)(iterationMillis * 1e6));
        }
        else
        {
            // Share a time budget among the steps: 70 s for --quick, 13 min otherwise (JVM starts and set-up come
            // on top); each step runs warm-up + measured iterations + a latency pass of about one iteration.
            int units = 0;
            for (final Group group : plan(new ArrayList<>(java.util.Collections.nCopies(modeCount,
                new ModeSpec("x", java.util.Map.of(), "default")))))
            {
                units += group.units(draft);
            }
            final double budget = quick ? 70e9 : 780e9;
            nanos = (long)(budget / Math.max(1, units) / (warm + measured + 1));
            nanos = Math.max(quick ? 20_000_000L : 100_000_000L, Math.min(quick ? 150_000_000L : 1_000_000_000L,
                nanos));
        }
        // Unless told how many, warm up long enough for the JIT, however short the iterations came out.
        final int warmed = warmups != null ? warm : Harness.warmupsFor(warm, nanos);
        return new Settings(quick, sizeList, hopList, Settings.PIPELINE_BYTES, twoThreadSizes, rounds, warmed,
            measured, nanos, nanos, placementThreshold, memoryFrames, probeRoundTrips);
    }

    private static List<Group> plan(final List<ModeSpec> selected)
    {
        final List<Group> groups = new ArrayList<>();
        groups.add(new Group(Group.REFERENCES, List.of()));
        if (selected.stream().anyMatch((m) -> FbufTransportProvider.NAME.equals(m.transport())))
        {
            groups.add(new Group(Group.OVERHEADS, List.of()));
        }
        for (final ModeSpec mode : selected)
        {
            groups.add(new Group(Group.TRANSPORT, List.of(mode)));
        }
        groups.add(new Group(Group.TWO_THREAD, List.copyOf(selected)));
        final Group nic = new Group(Group.NIC, List.copyOf(selected));
        if (!NicRows.paths(false, nic.transports()).isEmpty())
        {
            groups.add(nic);
        }
        final Group scaling = new Group(Group.PIPELINE_SCALING, List.copyOf(selected));
        if (!PipelineScalingRows.chains(false, scaling.transports()).isEmpty())
        {
            groups.add(scaling);
        }
        return groups;
    }

    private ReportModel.GroupOutput measure(final Settings settings, final List<Group> groups,
        final List<TransportProvider> providers, final Path dir)
        throws IOException, InterruptedException
    {
        final List<ReportModel.Row> rows = new ArrayList<>();
        final List<ReportModel.Reference> references = new ArrayList<>();
        final List<ReportModel.Overhead> overheads = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final List<ReportModel.NicRow> nic = new ArrayList<>();
        final List<ReportModel.ScalingRow> scaling = new ArrayList<>();
        final int units = groups.stream().mapToInt((g) -> g.units(settings)).sum();
        try (ProgressBar bar = !noProgress ? new ProgressBarBuilder().setTaskName("barge report").setInitialMax(units)
            .setRenderer(new ProgressLine()).setConsumer(new ConsoleProgressBarConsumer(System.err,
                ProgressLine.length())).setUpdateIntervalMillis(250).build() : null)
        {
            final Consumer<String> step = (name) ->
            {
                if (bar != null)
                {
                    if (name.startsWith(STARTING))
                    {
                        bar.setExtraMessage(name.substring(STARTING.length()));
                    }
                    else
                    {
                        bar.step();
                    }
                }
            };
            for (final Group group : groups)
            {
                step.accept(STARTING + group.display());
                try
                {
                    final ReportModel.GroupOutput output = !noFork ? Forker.run(settings, group, dir, step) :
                        GroupRunner.run(settings, group, providers, step);
                    rows.addAll(output.results());
                    references.addAll(output.references());
                    overheads.addAll(output.overheads());
                    failures.addAll(output.failures());
                    nic.addAll(output.nic() == null ? List.of() : output.nic());
                    scaling.addAll(output.pipelineScaling() == null ? List.of() : output.pipelineScaling());
                }
                catch (final RuntimeException ex)
                {
                    // One broken transport must not cost the others their rows: report it and go on.
                    failures.add(group.display() + " (whole group): " + ex);
                }
            }
        }
        return new ReportModel.GroupOutput(rows, references, overheads, failures, nic, scaling);
    }
}
