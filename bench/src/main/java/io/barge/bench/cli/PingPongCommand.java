package io.barge.bench.cli;

import io.barge.bench.core.ComparisonSettings;
import io.barge.bench.core.UmpVsAgrona;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code barge ping-pong}: UMP round trips against a pair of Agrona one-to-one ring buffers, in alternating windows,
 * with HdrHistogram percentiles per vCPU placement.
 */
@Command(
    name = "ping-pong",
    mixinStandardHelpOptions = true,
    description = {
        "Round trips of UMP vs a pair of Agrona ring buffers, 56-byte messages, per vCPU placement.",
        "Alternating windows classified near/far by a probe, as ump-vs-agrona; prints p50/p99/p99.9 round " +
            "trips per implementation and placement."
    })
final class PingPongCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    ComparisonOptions options;

    @Override
    public Integer call()
    {
        final ComparisonSettings settings = Cli.usage(spec, () -> options.settings(0));
        UmpVsAgrona.pingPong(settings, spec.commandLine().getOut());
        return 0;
    }
}
