package io.barge.bench.cli;

import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code barge transports}: lists the installed transports with their options and the modes worth measuring.
 */
@Command(
    name = "transports",
    mixinStandardHelpOptions = true,
    description = "Lists the installed transports (found with ServiceLoader), their options and modes.")
final class TransportsCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<TransportProvider> providers = Transports.installed();
        if (providers.isEmpty())
        {
            out.println("no transports installed");
        }
        for (final TransportProvider provider : providers)
        {
            out.printf("%s  %s%n", provider.name(), provider.description());
            if (provider.options().isEmpty())
            {
                out.println("  options: none");
            }
            for (final OptionSpec option : provider.options())
            {
                out.printf("  --option %s=%s  (default %s)  %s%n", option.name(), option.accepted(),
                    option.defaultValue(), option.description());
            }
            out.println("  modes (as pipeline arguments):");
            for (final Map<String, String> mode : provider.modes())
            {
                out.printf("    -t %s%s%n", provider.name(), mode.entrySet().stream()
                    .map((e) -> " -o " + e.getKey() + "=" + e.getValue()).collect(Collectors.joining()));
            }
        }
        out.flush();
        return 0;
    }
}
