package io.barge.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * A subcommand contributed through ServiceLoader (registered from the test resources), as the report does.
 */
@Command(name = "extra-test", mixinStandardHelpOptions = true, description = "Test only: a plugged-in command.")
public final class ExtraTestCommand implements Callable<Integer>, BargeSubcommand
{
    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().getOut().println("extra ran");
        return 0;
    }
}
