package io.barge.bench.cli;

import io.barge.bench.pipeline.Pipeline;
import io.barge.bench.pipeline.PipelineConfig;
import io.barge.bench.pipeline.PipelineResult;
import io.barge.core.OutOfFramesException;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.InvalidOptionException;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code barge pipeline}: streams messages from a source domain through forwarding domains to a sink over a named
 * transport and prints throughput, one-way latency percentiles and the cost counters per message.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = {
        "Streams messages from a source domain through forwarding domains to a sink over a transport.",
        "Prints messages/s, bytes/s, one-way latency percentiles (stamped by the source, read at the sink) and " +
            "the cost counters per message. With no options it runs the defaults below: a few seconds over copy."
    },
    sortOptions = false)
final class PipelineCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--transport"}, paramLabel = "NAME", defaultValue = PipelineConfig.DEFAULT_TRANSPORT,
        description = "Transport, as listed by `barge transports` (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
        description = "A transport option; repeat for several. Unknown keys or values are listed as errors.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = {"-d", "--domains"}, paramLabel = "N", defaultValue = "" + PipelineConfig.DEFAULT_DOMAINS,
        description = "Domains on the path, source and sink included, at least 2 (default: ${DEFAULT-VALUE}).")
    int domains;

    @Option(names = {"-n", "--messages"}, paramLabel = "COUNT", defaultValue = "" + PipelineConfig.DEFAULT_MESSAGES,
        description = "Messages to send, warm-up included (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = {"-s", "--size"}, paramLabel = "BYTES", defaultValue = "" + PipelineConfig.DEFAULT_SIZE,
        converter = Cli.ByteSize.class,
        description = "Message size in bytes, 16..1m; k and m suffixes allowed (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--capacity", paramLabel = "N", defaultValue = "" + ChannelConfig.DEFAULT_CAPACITY,
        description = "Messages in flight per hop, a power of two (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--notify", paramLabel = "ump|lmp", defaultValue = "ump",
        description = "How the ends of each hop signal each other (default: ${DEFAULT-VALUE}).")
    ChannelConfig.Notification notification;

    @Option(names = "--touch", description = "The sink reads every byte of every message.")
    boolean touch;

    @Option(names = "--fill", description = "The source writes every byte of every message.")
    boolean fill;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "" + PipelineConfig.DEFAULT_THREADS,
        description = "Threads the stages are spread over, in path order (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup", paramLabel = "COUNT", defaultValue = "-1",
        description = "Leading messages left out of throughput and latency (default: a tenth of the messages).")
    long warmup;

    @Option(names = "--memory-mib", paramLabel = "MIB", defaultValue = "" + PipelineConfig.DEFAULT_MEMORY_MIB,
        description = "Simulated physical memory in MiB (default: ${DEFAULT-VALUE}).")
    int memoryMiB;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + PipelineConfig.DEFAULT_TIMEOUT_SECONDS,
        description = "Longest run before it is reported incomplete (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call()
    {
        final PipelineConfig config = Cli.usage(spec, this::config);
        // Checked before anything is allocated, so a typo costs nothing and lists what is valid.
        final TransportProvider provider = Cli.usage(spec, () -> Transports.find(config.transport()));
        Cli.usage(spec, () ->
        {
            try
            {
                return TransportOptions.parse(config.transport(), provider.options(), config.options());
            }
            catch (final InvalidOptionException ex)
            {
                // Say whose option it was when the message does not.
                throw ex.getMessage().contains("transport " + provider.name()) ? ex :
                    new InvalidOptionException("transport " + provider.name() + ": " + ex.getMessage() +
                    "; valid options: " + TransportOptions.describe(provider.options()));
            }
        });
        final PipelineResult result;
        try
        {
            result = Pipeline.run(config);
        }
        catch (final OutOfFramesException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "the simulated physical memory of " +
                config.memoryMiB() + " MiB is too small for " + (config.domains() - 1) + " hops of " +
                config.capacity() + " x " + config.size() + "-byte messages over " + config.transport() + " (" +
                ex.getMessage() + "): raise --memory-mib (at most 2047) or lower --capacity or --size", ex);
        }
        final PrintWriter out = spec.commandLine().getOut();
        out.print(result.format());
        out.flush();
        final boolean ok = result.completed() && result.framesLeaked() == 0 && result.sequenceErrors() == 0;
        return ok ? 0 : BargeCli.EXIT_FAILED;
    }

    private PipelineConfig config()
    {
        return PipelineConfig.builder()
            .transport(transport)
            .options(options)
            .domains(domains)
            .messages(messages)
            .warmup(warmup)
            .size(size)
            .capacity(capacity)
            .notification(notification)
            .touch(touch)
            .fill(fill)
            .threads(threads)
            .memoryMiB(memoryMiB)
            .timeoutSeconds(timeoutSeconds)
            .build();
    }
}
