package io.barge.bench.cli;

import io.barge.bench.core.ComparisonSettings;
import io.barge.bench.core.UmpVsAgrona;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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
            "trips per implementation and placement.",
        "With --one-way: UMP's one-way latency with one message in flight (stamped by the sender, timed by the " +
            "receiver) against UMP's round trip instead; the goal is a ratio ump-1way/ump-rtt of at most 1.0 " +
            "(one-way p50 at most twice the half round trip)."
    })
final class PingPongCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    ComparisonOptions options;

    @Option(names = "--one-way", description = "UMP one-way latency (one message in flight) vs UMP round trip.")
    boolean oneWay;

    @Override
    public Integer call()
    {
        final ComparisonSettings settings = Cli.usage(spec, () -> options.settings(0));
        if (oneWay)
        {
            UmpVsAgrona.oneWay(settings, spec.commandLine().getOut());
        }
        else
        {
            UmpVsAgrona.pingPong(settings, spec.commandLine().getOut());
        }
        return 0;
    }
}
