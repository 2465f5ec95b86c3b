package io.barge.bench.cli;

import io.barge.bench.core.ComparisonSettings;
import io.barge.bench.core.UmpVsAgrona;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code barge ump-vs-agrona}: UMP against Agrona's one-to-one ring buffer, 56-byte message throughput in
 * alternating windows, per vCPU placement.
 */
@Command(
    name = "ump-vs-agrona",
    aliases = "bench-ump",
    mixinStandardHelpOptions = true,
    description = {
        "Throughput of UMP vs Agrona's OneToOneRingBuffer, 56-byte messages, per vCPU placement.",
        "Two threads in one JVM run alternating windows (Agrona, UMP, ...) each bracketed by a ping-pong probe; " +
            "windows are classified near/far by the probe p50, and those whose probes disagree, or in which a " +
            "thread was starved of CPU, are dropped. Prints msgs/s per implementation and placement and the ratio " +
            "UMP/Agrona per placement.",
        "With --against floor the reference is UMP's own protocol with nothing else (SlotRingFloor: no state, " +
            "thread, validation or counting): the ratio ump/floor is what UMP's checks cost, and the floor's rate " +
            "is the cache-line handoff any one-line-per-message ring pays between these two cores."
    })
final class UmpVsAgronaCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    ComparisonOptions options;

    @Option(names = "--against", paramLabel = "REFERENCE", defaultValue = "agrona",
        description = "agrona (Agrona's OneToOneRingBuffer) or floor (UMP's protocol alone) " +
            "(default: ${DEFAULT-VALUE}).")
    String against;

    @Override
    public Integer call()
    {
        final ComparisonSettings settings = Cli.usage(spec, () -> options.settings(90));
        if (!"agrona".equals(against) && !"floor".equals(against))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--against must be agrona or floor, not " + against);
        }
        UmpVsAgrona.throughput(settings, spec.commandLine().getOut(), "floor".equals(against));
        return 0;
    }
}
