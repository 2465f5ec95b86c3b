package io.barge.bench.cli;

import io.barge.bench.core.PipelineStage;
import io.barge.bench.core.StageMessageDescriptor;
import io.barge.core.CounterKeyDescriptor;
import io.barge.core.PhysicalMemory;
import io.barge.core.machine.ControlProtocolDescriptor;
import io.barge.core.machine.KernelGoneException;
import io.barge.core.machine.KernelRefusedException;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineFileException;
import io.barge.core.machine.MachineReader;
import io.barge.core.machine.MachineSnapshot;
import io.barge.core.machine.ProcessChannelDescriptor;
import io.barge.core.machine.RbufsChannelDescriptor;
import org.agrona.BitUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code barge pipeline --attach D --role ...}: one {@link PipelineStage} in this process, attached to the kernel in
 * D, until it has done its {@code --messages}, fails, or SIGTERM (Ctrl-C) ends it; then its ends are closed, the
 * client detaches (the kernel destroys its domain) and a summary is printed. Every option is checked before the
 * stage attaches; a bad one is a usage error (exit 2).
 */
final class AttachedStage
{
    /** Options of the in-process pipeline that mean nothing to one stage. */
    static final List<String> IN_PROCESS_ONLY = List.of("--transport", "--option", "--hops", "--domains",
        "--notify", "--fill", "--threads", "--placement", "--warmup", "--memory-mib", "--dir", "--timeout");
    /** Options that only a stage takes. */
    static final List<String> STAGE_ONLY = List.of("--role", "--name", "--from", "--channel", "--wait-ms",
        "--report-ms");
    /** The kind of channel a forward or sink makes unless told: the zero-copy one. */
    static final String DEFAULT_CHANNEL = "rbufs";
    /** Fewest messages in flight on a stage's channel. */
    static final int MIN_CAPACITY = 2;

    private final CommandSpec spec;
    private final Path directory;
    private final PipelineStage.Settings settings;
    private MachineClient client;
    private MachineReader reader;
    private PipelineStage stage;
    private volatile AgentRunner runner;
    private boolean finished;

    private AttachedStage(final CommandSpec spec, final Path directory, final PipelineStage.Settings settings)
    {
        this.spec = spec;
        this.directory = directory;
        this.settings = settings;
    }

    /**
     * Checks the options and runs the stage.
     *
     * @param spec    the pipeline command (for its parse result and output).
     * @param options its parsed options.
     * @return the exit status.
     */
    static int run(final CommandSpec spec, final PipelineCommand options)
    {
        final PipelineStage.Settings settings = Cli.usage(spec, () -> settings(spec, options));
        return new AttachedStage(spec, options.attach, settings).run();
    }

    static PipelineStage.Settings settings(final CommandSpec spec, final PipelineCommand options)
    {
        final CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (final String name : IN_PROCESS_ONLY)
        {
            if (parsed.hasMatchedOption(name))
            {
                throw new IllegalArgumentException(name + " is for the in-process pipeline, not for a stage " +
                    "(--attach): a stage's channels are the kernel's process channels");
            }
        }
        if (options.role == null)
        {
            throw new IllegalArgumentException("--attach needs --role source|forward|sink");
        }
        checkName("--name", options.name);
        final boolean source = options.role == PipelineStage.Role.SOURCE;
        if (source && options.from != null)
        {
            throw new IllegalArgumentException("--from is for a forward or a sink: a source has no upstream");
        }
        if (!source)
        {
            if (options.from == null)
            {
                throw new IllegalArgumentException("a " + roleName(options.role) + " needs --from UPSTREAM, the " +
                    "--name of the stage before it");
            }
            checkName("--from", options.from);
            if (options.from.equals(options.name))
            {
                throw new IllegalArgumentException("--from " + options.from + " is this stage's own --name");
            }
        }
        final String size = StageMessageDescriptor.checkLength(options.size, ProcessChannelDescriptor.MAX_MESSAGE_LENGTH);
        if (size != null)
        {
            throw new IllegalArgumentException("--size: " + size);
        }
        final long messages = parsed.hasMatchedOption("--messages") ? options.messages : 0;
        if (messages < 0)
        {
            throw new IllegalArgumentException("--messages=" + messages + " must not be negative (0: no end)");
        }
        if (options.touch && options.role != PipelineStage.Role.SINK)
        {
            throw new IllegalArgumentException("--touch is for a sink (it checks every byte it receives)");
        }
        if (source && parsed.hasMatchedOption("--capacity"))
        {
            throw new IllegalArgumentException("--capacity is for a forward or a sink: the downstream stage makes " +
                "each channel");
        }
        if (source && parsed.hasMatchedOption("--channel"))
        {
            throw new IllegalArgumentException("--channel is for a forward or a sink: the downstream stage makes " +
                "each channel, and a source sends on whatever kind it finds");
        }
        final int kind = kind(options.channel);
        final int channelBytes = channelBytes(kind, options.capacity, options.size);
        if (options.waitMs < 0)
        {
            throw new IllegalArgumentException("--wait-ms=" + options.waitMs + " must not be negative (0: no end)");
        }
        if (options.reportMs < 100)
        {
            throw new IllegalArgumentException("--report-ms=" + options.reportMs + " must be at least 100");
        }
        return new PipelineStage.Settings(options.role, options.name, options.from, options.size, messages,
            options.touch, kind, channelBytes, options.waitMs, options.reportMs);
    }

    private static int kind(final String channel)
    {
        switch (channel)
        {
            case "ring":
                return ProcessChannelDescriptor.KIND_RING;
            case "rbufs":
                return ProcessChannelDescriptor.KIND_RBUFS;
            default:
                throw new IllegalArgumentException("--channel=" + channel + " must be ring or rbufs");
        }
    }

    /**
     * Bytes of the channel a forward or sink makes for {@code capacity} longest messages, checked as the kernel
     * will: a ring of that many longest records, or an Rbufs data area of that many buffers.
     */
    static int channelBytes(final int kind, final int capacity, final int size)
    {
        if (capacity < MIN_CAPACITY || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("--capacity=" + capacity + " must be a power of two, at least " +
                MIN_CAPACITY);
        }
        final boolean ring = kind == ProcessChannelDescriptor.KIND_RING;
        final long each = ring ? ProcessChannelDescriptor.maxRecordLength(size) +
            ProcessChannelDescriptor.RECORD_HEADER_LENGTH : RbufsChannelDescriptor.stride(size);
        final int largest = ring ? ProcessChannelDescriptor.MAX_CAPACITY : RbufsChannelDescriptor.MAX_CAPACITY;
        final String what = ring ? "a ring" : "an Rbufs data area";
        final long wanted = Math.max(PhysicalMemory.DEFAULT_FRAME_SIZE, capacity * each);
        final int bytes = wanted > largest ? Integer.MIN_VALUE : BitUtil.findNextPositivePowerOfTwo((int)wanted);
        final String wrong = bytes < 0 ? wanted + " bytes exceed the largest, " + largest : ring ?
            ProcessChannelDescriptor.checkSizes(bytes, size, PhysicalMemory.DEFAULT_FRAME_SIZE) :
            RbufsChannelDescriptor.checkSizes(bytes, size, PhysicalMemory.DEFAULT_FRAME_SIZE);
        if (wrong != null)
        {
            throw new IllegalArgumentException("--capacity=" + capacity + " messages of --size " + size +
                " make " + what + " the kernel refuses: " + wrong + " (lower --capacity or --size)");
        }
        return bytes;
    }

    private static void checkName(final String option, final String name)
    {
        if (name == null)
        {
            throw new IllegalArgumentException("--attach needs " + option + " N, the stage's domain name");
        }
        if (name.isEmpty() || name.length() > ControlProtocolDescriptor.MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException(option + " \"" + name + "\" must be 1.." +
                ControlProtocolDescriptor.MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c < 0x21 || c > 0x7E)
            {
                throw new IllegalArgumentException(option + " \"" + name + "\" has a character other than " +
                    "printable ASCII without spaces at index " + i);
            }
        }
    }

    private static String roleName(final PipelineStage.Role role)
    {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }

    private int run()
    {
        final PrintWriter out = spec.commandLine().getOut();
        try
        {
            client = MachineClient.attach(directory);
        }
        catch (final MachineFileException | KernelGoneException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--attach: " + ex.getMessage(), ex);
        }
        final Thread hook = new Thread(this::stopAndFinish, "barge-stage-shutdown");
        try
        {
            final int domainId = createDomain();
            reader = MachineReader.attach(directory);
            checkNoLiveNamesake(domainId);
            stage = new PipelineStage(settings, client, domainId, reader, out);
            runner = new AgentRunner(new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(1)), (ex) -> out.println("stage error: " + ex), null, stage);
            Runtime.getRuntime().addShutdownHook(hook);
            out.println(roleName(settings.role()) + " \"" + settings.name() + "\" running: pid " +
                ProcessHandle.current().pid() + ", domain " + domainId + " of the kernel in " + directory +
                (settings.from() == null ? "" : ", from \"" + settings.from() + "\"") + "; Ctrl-C to stop");
            out.flush();
        }
        catch (final RuntimeException ex)
        {
            finish();
            throw ex;
        }
        final Thread thread = AgentRunner.startOnThread(runner);
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            runner.close();
        }
        finish();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // shutting down: the hook is finishing the stage
        }
        return stage.exitCode();
    }

    private int createDomain()
    {
        try
        {
            return client.createDomain(settings.name());
        }
        catch (final KernelRefusedException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name " + settings.name() + ": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * A second live stage of one name would leave its downstream to pick one of them: refused. A namesake whose
     * process is dead (its domain not yet timed out by the kernel) is no obstacle: lookups pass it over.
     */
    private void checkNoLiveNamesake(final int domainId)
    {
        final MachineSnapshot snapshot = reader.snapshot();
        for (final MachineSnapshot.Group group : snapshot.groups())
        {
            if (group.kind() == CounterKeyDescriptor.KIND_DOMAIN && group.domainId() != domainId &&
                group.name().equals(settings.name()) && PipelineStage.ownerAlive(snapshot, group.domainId()))
            {
                throw new CommandLine.ParameterException(spec.commandLine(), "--name " + settings.name() +
                    ": a live stage of that name runs already (domain " + group.domainId() + ")");
            }
        }
    }

    /** On SIGTERM: stop the agent (its ends close on its thread), then detach. */
    private void stopAndFinish()
    {
        final AgentRunner r = runner;
        if (r != null)
        {
            r.close();
        }
        finish();
    }

    /** Detaches (the kernel destroys the stage's domain) and prints the summary, once. */
    private synchronized void finish()
    {
        if (finished)
        {
            return;
        }
        finished = true;
        if (client != null)
        {
            client.close();
        }
        if (reader != null)
        {
            reader.close();
        }
        if (stage != null)
        {
            final PrintWriter out = spec.commandLine().getOut();
            out.println(stage.summary());
            out.flush();
        }
    }
}
