package io.barge.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code barge bench [JMH args...]}: runs the JMH benchmarks in this jar with JMH's own command line, e.g.
 * {@code barge bench UmpVsAgrona -f 1}. Every benchmark class sets {@code @Fork(jvmArgsAppend = ...)} so forks get
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} and {@code -Dagrona.disable.bounds.checks=true}.
 */
@Command(
    name = BenchCommand.NAME,
    mixinStandardHelpOptions = true,
    description = {
        "Runs the JMH benchmarks in this jar; every argument goes to JMH.",
        "Examples:  barge bench -l                       list benchmarks",
        "           barge bench UmpVsAgrona -f 1         UMP vs Agrona ring, one fork",
        "           barge bench CopyTransport -prof gc   with allocation profiling",
        "           barge bench -- -h                    JMH's own help"
    })
final class BenchCommand implements Callable<Integer>
{
    static final String NAME = "bench";

    @Parameters(arity = "0..*", paramLabel = "JMH_ARG", description = "Arguments for JMH.")
    List<String> jmhArgs = new ArrayList<>();

    /**
     * Lets JMH's options ({@code -f}, {@code -prof}, ...) through untouched.
     *
     * @param command this command's command line.
     */
    static void configure(final CommandLine command)
    {
        command.setUnmatchedOptionsArePositionalParams(true);
        command.setStopAtPositional(true);
    }

    @Override
    public Integer call() throws Exception
    {
        org.openjdk.jmh.Main.main(jmhArgs.toArray(new String[0]));
        return 0;
    }
}
