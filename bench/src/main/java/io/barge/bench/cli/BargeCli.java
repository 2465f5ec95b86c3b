package io.barge.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ServiceLoader;

/**
 * The {@code barge} command-line tool, run by the {@code ./barge} launcher at the repository root.
 * <p>
 * Exit codes: 0 success, 1 a run that failed or was incomplete, 2 a usage error (unknown command, option, transport
 * or transport option; the message lists the valid ones). Further subcommands (e.g. the report) plug in through
 * {@link ServiceLoader} as {@link BargeSubcommand}s.
 */
@Command(
    name = "barge",
    mixinStandardHelpOptions = true,
    versionProvider = BargeCli.Version.class,
    description = "Moves bulk data between simulated protection domains without copying, and measures it.",
    subcommands = {
        PipelineCommand.class,
        TransportsCommand.class,
        BenchCommand.class,
        UmpVsAgronaCommand.class,
        PingPongCommand.class,
        StatCommand.class,
        KernelCommand.class,
        NicCommand.class,
        CrossProcessCommand.class,
        CommandLine.HelpCommand.class
    })
public final class BargeCli implements Runnable
{
    /** Exit code of a run that failed or did not complete. */
    public static final int EXIT_FAILED = 1;

    /**
     * Commands built in other packages of this module on their own schedule (the report): registered when the class
     * is in the jar, so that neither side has to edit the other to wire them up.
     */
    private static final String[] OPTIONAL_COMMANDS = { "io.barge.bench.report.ReportCommand" };

    @Spec
    CommandSpec spec;

    /**
     * With no subcommand: a usage error that shows the commands.
     */
    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: choose one of " +
            spec.subcommands().keySet());
    }

    /**
     * @return the command line, every subcommand registered, ready to {@code execute}; tests use it in-process.
     */
    public static CommandLine commandLine()
    {
        final CommandLine cli = new CommandLine(new BargeCli());
        for (final String name : OPTIONAL_COMMANDS)
        {
            addIfPresent(cli, name);
        }
        for (final BargeSubcommand extra : ServiceLoader.load(BargeSubcommand.class, BargeCli.class.getClassLoader()))
        {
            final Command command = extra.getClass().getAnnotation(Command.class);
            if (command != null && !cli.getSubcommands().containsKey(command.name()))
            {
                cli.addSubcommand(extra);
            }
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setUsageHelpAutoWidth(true);
        cli.setParameterExceptionHandler(BargeCli::usageError);
        BenchCommand.configure(cli.getSubcommands().get(BenchCommand.NAME));
        return cli;
    }

    private static void addIfPresent(final CommandLine cli, final String className)
    {
        final Class<?> type;
        try
        {
            type = Class.forName(className, false, BargeCli.class.getClassLoader());
        }
        catch (final ClassNotFoundException ex)
        {
            return; // not built (yet): the tool works without it
        }
        if (type.isAnnotationPresent(Command.class))
        {
            final String name = type.getAnnotation(Command.class).name();
            if (!cli.getSubcommands().containsKey(name))
            {
                cli.addSubcommand(type);
            }
        }
    }

    /**
     * Prints a usage error briefly: the message (which lists what is valid), suggestions, and where help is.
     */
    private static int usageError(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine command = ex.getCommandLine();
        final PrintWriter err = command.getErr();
        err.println(command.getColorScheme().errorText(ex.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.printf("Run '%s --help' for usage.%n", command.getCommandSpec().qualifiedName());
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /**
     * The version from the jar's manifest, when there is one.
     */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = BargeCli.class.getPackage().getImplementationVersion();
            return new String[]{ "barge " + (version == null ? "(development build)" : version) };
        }
    }
}
