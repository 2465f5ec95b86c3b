/**
 * The {@code barge} command-line tool (picocli): {@code pipeline}, {@code transports}, {@code bench} (JMH),
 * {@code ump-vs-agrona}, {@code ping-pong}; other packages add commands as
 * {@link io.barge.bench.cli.BargeSubcommand} services. Exit codes: 0 success, 1 failed or incomplete run, 2 usage
 * error.
 */
package io.barge.bench.cli;
