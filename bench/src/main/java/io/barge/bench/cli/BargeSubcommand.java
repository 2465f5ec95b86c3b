package io.barge.bench.cli;

/**
 * A subcommand that another package contributes to {@code barge}: a picocli {@code @Command} class implementing
 * this interface and listed in {@code META-INF/services/io.barge.bench.cli.BargeSubcommand} is added to the tool at
 * start-up, so the CLI needs no compile-time knowledge of it.
 */
public interface BargeSubcommand
{
}
