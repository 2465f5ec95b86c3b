package io.barge.bench.cli;

import io.barge.bench.core.PingPongProbe;
import io.barge.bench.core.PipelineStage;
import io.barge.bench.core.Placement;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import io.barge.core.PhysicalMemory;
import io.barge.core.machine.MachineFileException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.Transports;
import io.barge.drivers.pipeline.MessageWriter;
import io.barge.drivers.pipeline.Pipeline;
import io.barge.drivers.pipeline.PipelineMessageDescriptor;
import io.barge.drivers.pipeline.PipelineResult;
import io.barge.drivers.pipeline.StageHandler;
import io.barge.drivers.pipeline.TransportSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code barge pipeline}: streams messages from a source domain through forwarding domains to a sink with a
 * transport per hop, on the {@code drivers} pipeline library, and prints throughput, one-way latency percentiles and
 * the cost counters per message. With {@code --attach D} it runs instead one stage of a pipeline whose stages are
 * separate processes attached to the kernel in D ({@link AttachedStage}).
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = {
        "Streams messages from a source domain through forwarding domains to a sink, a transport per hop.",
        "Prints messages/s, bytes/s, one-way latency percentiles (stamped by the source, read at the sink) and " +
            "the cost counters per message. With no options it runs the defaults below: a few seconds over copy.",
        "With --attach D it runs one stage per process instead, attached to `barge kernel --dir D`: e.g. " +
            "`--attach D --role sink --name snk --from src` in one terminal, `--attach D --role source --name src` " +
            "in another. Each stage waits for its peers, says when one goes, and resumes with a restarted one; " +
            "--size, --messages, --capacity, --channel and --touch apply, the in-process options do not."
    },
    sortOptions = false)
final class PipelineCommand implements Callable<Integer>
{
    /** Default transport: the copy baseline. */
    static final String DEFAULT_TRANSPORT = "copy";
    /** Default hops: source, one forwarder, sink. */
    static final int DEFAULT_HOPS = 2;
    private static final byte FILL_BYTE = (byte)0x5A;

    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--transport"}, paramLabel = "NAME[,NAME...]", defaultValue = DEFAULT_TRANSPORT,
        split = ",", description = "Transport per hop, as listed by `barge transports`; one name means every hop, " +
        "several give hop 0, 1, ... in order (default: ${DEFAULT-VALUE}).")
    List<String> transports;

    @Option(names = {"-o", "--option"}, paramLabel = "[NAME.]KEY=VALUE",
        description = "A transport option; repeat for several. KEY applies to every transport on the path that has " +
            "it, NAME.KEY to that transport only. Unknown keys or values are listed as errors.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--hops", paramLabel = "N", defaultValue = "-1",
        description = "Hops on the path, at least 1 (default: " + DEFAULT_HOPS + ", or as many as --transport " +
            "names).")
    int hops;

    @Option(names = {"-d", "--domains"}, paramLabel = "N", defaultValue = "-1",
        description = "Domains on the path, source and sink included: --hops plus one.")
    int domains;

    @Option(names = {"-n", "--messages"}, paramLabel = "COUNT", defaultValue = "100000",
        description = "Messages to send, warm-up included (default: ${DEFAULT-VALUE}; a stage: to send, forward or " +
            "take before it ends, default no end).")
    long messages;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", defaultValue = "65536",
        converter = Cli.ByteSize.class,
        description = "Message size in bytes, 16..1m (a stage: 24..1m, the longest it takes for a forward or " +
            "sink); k and m suffixes allowed (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--capacity", paramLabel = "N", defaultValue = "" + ChannelConfig.DEFAULT_CAPACITY,
        description = "Messages in flight per hop, a power of two (default: ${DEFAULT-VALUE}; a stage: per channel " +
            "it makes, at least 2).")
    int capacity;

    @Option(names = "--notify", paramLabel = "ump|lmp", defaultValue = "ump",
        description = "How the ends of each hop signal each other (default: ${DEFAULT-VALUE}).")
    ChannelConfig.Notification notification;

    @Option(names = "--touch", description = "The sink reads every byte of every message (a sink stage checks " +
        "every byte; without it the header and the first and last payload words).")
    boolean touch;

    @Option(names = "--fill", description = "The source writes every byte of every message.")
    boolean fill;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
        description = "Threads the stages are spread over, in path order; at most the domains " +
            "(default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--placement", paramLabel = "T,T,...", split = ",",
        description = "The thread of each domain in path order (source, forwarders, sink), e.g. 0,0,0,1 puts the " +
            "sink alone on a second thread; the indices 0..k-1 each at least once; overrides --threads.")
    int[] placement;

    @Option(names = "--warmup", paramLabel = "COUNT", defaultValue = "-1",
        description = "Leading messages left out of throughput and latency (default: a tenth of the messages).")
    long warmup;

    @Option(names = "--memory-mib", paramLabel = "MIB", defaultValue = "256",
        description = "Simulated physical memory in MiB, 1..2047 (default: ${DEFAULT-VALUE}).")
    int memoryMiB;

    @Option(names = "--dir", paramLabel = "D",
        description = "Put the machine's counters in a machine file in directory D, so that `barge stat --dir D` " +
            "can watch the run from another terminal (default: none, counters in this process only).")
    Path machineDirectory;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
        description = "Longest run before it is reported incomplete (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--attach", paramLabel = "D",
        description = "Run one stage of a pipeline of processes, attached to the kernel in directory D " +
            "(`barge kernel --dir D`); needs --role and --name.")
    Path attach;

    @Option(names = "--role", paramLabel = "source|forward|sink",
        description = "With --attach: what this stage does.")
    PipelineStage.Role role;

    @Option(names = "--name", paramLabel = "N",
        description = "With --attach: this stage's domain name (printable ASCII, at most 64).")
    String name;

    @Option(names = "--from", paramLabel = "UPSTREAM",
        description = "With --attach, for a forward or sink: the --name of the stage before it.")
    String from;

    @Option(names = "--channel", paramLabel = "ring|rbufs", defaultValue = AttachedStage.DEFAULT_CHANNEL,
        description = "With --attach, for a forward or sink: the kind of channel it makes from its upstream: rbufs " +
            "(zero copy: written and read in place) or ring (copied into a ring) (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--wait-ms", paramLabel = "T", defaultValue = "0",
        description = "With --attach: longest wait for a peer stage before giving up, exit 1 (default: no end).")
    long waitMs;

    @Option(names = "--report-ms", paramLabel = "T", defaultValue = "1000",
        description = "With --attach: milliseconds between rate lines, at least 100 (default: ${DEFAULT-VALUE}).")
    long reportMs;

    private long touched;

    @Override
    public Integer call()
    {
        if (attach != null)
        {
            return AttachedStage.run(spec, this);
        }
        for (final String stageOnly : AttachedStage.STAGE_ONLY)
        {
            if (spec.commandLine().getParseResult().hasMatchedOption(stageOnly))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), stageOnly + " is for a stage: add " +
                    "--attach D (the directory of a `barge kernel`)");
            }
        }
        // Checked before anything is allocated, so a typo costs nothing and lists what is valid.
        final TransportSpec[] path = Cli.usage(spec, this::path);
        Cli.usage(spec, this::checkSettings);
        final int frames = (int)((long)memoryMiB * 1024 * 1024 / PhysicalMemory.DEFAULT_FRAME_SIZE);
        final PipelineResult result;
        final String placementLine;
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(frames); Kernel kernel = kernel(memory))
        {
            final Pipeline pipeline = Cli.usage(spec, () -> pipeline(kernel, path));
            // Two threads or more: the vCPUs' placement decides the figures (they flip 2-3x with it), so say which.
            final boolean probed = pipeline.threads() > 1;
            final long before = probed ? PingPongProbe.p50NanosOnce(PingPongProbe.DEFAULT_ROUND_TRIPS) : 0;
            result = run(pipeline);
            final long after = probed ? PingPongProbe.p50NanosOnce(PingPongProbe.DEFAULT_ROUND_TRIPS) : 0;
            placementLine = probed ? String.format(Locale.ROOT, "placement  %s (probe p50 %d ns before, %d ns " +
                "after; near if < %d ns): compare two-thread runs of one placement only%n", Placement.of(before,
                after, PingPongProbe.DEFAULT_THRESHOLD_NANOS).label(), before, after,
                PingPongProbe.DEFAULT_THRESHOLD_NANOS) : "";
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.print(result.format());
        out.print(placementLine);
        out.flush();
        final boolean ok = result.completed() && result.received() == messages && result.framesLeaked() == 0 &&
            result.sequenceErrors() == 0;
        return ok ? 0 : BargeCli.EXIT_FAILED;
    }

    private Kernel kernel(final PhysicalMemory memory)
    {
        try
        {
            return Kernel.builder().memory(memory).machineDirectory(machineDirectory).build();
        }
        catch (final MachineFileException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir: " + ex.getMessage(), ex);
        }
    }

    private PipelineResult run(final Pipeline pipeline)
    {
        try
        {
            return pipeline.run();
        }
        catch (final OutOfFramesException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "the simulated physical memory of " +
                memoryMiB + " MiB is too small for " + pipeline.hopCount() + " hops of " + capacity + " x " + size +
                "-byte messages over " + String.join(",", transports) + " (" + ex.getMessage() +
                "): raise --memory-mib (at most 2047) or lower --capacity or --size", ex);
        }
    }

    private Object checkSettings()
    {
        if (memoryMiB < 1 || memoryMiB > 2047)
        {
            throw new IllegalArgumentException("memoryMiB=" + memoryMiB + " must be in [1, 2047]");
        }
        if (size > ChannelConfig.MAX_MESSAGE_LENGTH_LIMIT)
        {
            throw new IllegalArgumentException("size=" + size + " exceeds " + ChannelConfig.MAX_MESSAGE_LENGTH_LIMIT);
        }
        PipelineMessageDescriptor.checkMessageLength(size);
        return new ChannelConfig(size, capacity, notification);
    }

    private Pipeline pipeline(final Kernel kernel, final TransportSpec[] path)
    {
        if (threads < 1)
        {
            throw new IllegalArgumentException("threads=" + threads + " must be at least 1");
        }
        final MessageWriter writer = fill ? (claim, sequence) -> claim.setMemory(
            PipelineMessageDescriptor.HEADER_LENGTH, claim.length() - PipelineMessageDescriptor.HEADER_LENGTH,
            FILL_BYTE) : MessageWriter.HEADER_ONLY;
        final MessageHandler consumer = touch ? (message) -> touched += message.touch() : (message) -> { };
        final Pipeline.Builder builder = Pipeline.builder(kernel)
            .source(messages, size, writer)
            .sink("sink", consumer)
            .channelConfig(new ChannelConfig(size, capacity, notification))
            .warmup(warmup >= 0 ? warmup : messages / 10)
            .timeout(timeoutSeconds, TimeUnit.SECONDS);
        if (placement != null)
        {
            builder.placement(placement);
        }
        else
        {
            builder.threads(Math.min(threads, path.length + 1));
        }
        for (int i = 0; i < path.length; i++)
        {
            builder.hop(i, path[i]);
            if (i > 0)
            {
                builder.stage("forward-" + i, StageHandler.FORWARD);
            }
        }
        return builder.build();
    }

    /**
     * @return the transport of each hop, with its options.
     */
    private TransportSpec[] path()
    {
        final int count = hopCount();
        if (transports.size() != 1 && transports.size() != count)
        {
            throw new IllegalArgumentException("--transport names " + transports.size() + " transports for " + count +
                " hops: give one (every hop) or one per hop");
        }
        final TransportSpec[] path = new TransportSpec[count];
        for (int i = 0; i < count; i++)
        {
            final String name = transports.get(transports.size() == 1 ? 0 : i).trim();
            path[i] = TransportSpec.of(name, optionsOf(name));
        }
        checkEveryOptionUsed();
        return path;
    }

    private int hopCount()
    {
        if (domains >= 0 && hops >= 0 && domains != hops + 1)
        {
            throw new IllegalArgumentException("domains=" + domains + " and hops=" + hops + " disagree: domains " +
                "are hops plus one");
        }
        if (domains >= 0 && domains < 2)
        {
            throw new IllegalArgumentException("domains=" + domains + " must be at least 2 (source and sink)");
        }
        final int count = hops >= 0 ? hops : domains >= 0 ? domains - 1 :
            transports.size() > 1 ? transports.size() : DEFAULT_HOPS;
        if (count < 1)
        {
            throw new IllegalArgumentException("hops=" + count + " must be at least 1");
        }
        return count;
    }

    /**
     * KEY goes to every transport that declares it, NAME.KEY to NAME only; with one transport on the path every
     * plain key is its, so an unknown one is reported with that transport's valid keys.
     */
    private Map<String, String> optionsOf(final String name)
    {
        final List<OptionSpec> specs = Transports.find(name).options();
        final boolean single = transports.stream().distinct().count() == 1;
        final Map<String, String> mine = new LinkedHashMap<>();
        for (final Map.Entry<String, String> entry : options.entrySet())
        {
            final String key = entry.getKey();
            if (key.startsWith(name + "."))
            {
                mine.put(key.substring(name.length() + 1), entry.getValue());
            }
            else if (key.indexOf('.') < 0 && (single || specs.stream().anyMatch((s) -> s.name().equals(key))))
            {
                mine.put(key, entry.getValue());
            }
        }
        try
        {
            TransportOptions.parse(name, specs, mine);
        }
        catch (final InvalidOptionException ex)
        {
            // Say whose option it was when the message does not.
            throw ex.getMessage().contains("transport " + name) ? ex : new InvalidOptionException("transport " +
                name + ": " + ex.getMessage() + "; valid options: " + TransportOptions.describe(specs));
        }
        return mine;
    }

    private void checkEveryOptionUsed()
    {
        for (final String key : options.keySet())
        {
            final int dot = key.indexOf('.');
            final boolean used = dot > 0 ? transports.contains(key.substring(0, dot)) : transports.stream()
                .anyMatch((t) -> Transports.find(t.trim()).options().stream().anyMatch((s) -> s.name().equals(key)));
            if (!used)
            {
                throw new InvalidOptionException("no transport on the path " + transports + " has option '" + key +
                    "'");
            }
        }
    }

    /**
     * @return sum of the bytes the sink touched (keeps the reads observable).
     */
    long touched()
    {
        return touched;
    }
}
