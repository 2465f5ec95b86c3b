/**
 * {@code barge report}: every installed transport and mode measured side by side, with reference points from the
 * same run, written as a self-contained {@code index.html}, a machine-readable {@code results.json} (schema in
 * {@code results.schema.json} beside these classes) and chart files.
 * <p>
 * How a run goes: {@link io.barge.bench.report.ReportCommand} checks every input first (transports, modes, sizes,
 * {@code --out}, {@code --compare}), plans measurement groups (the references; one per transport mode; the
 * two-thread group) and runs each in a fresh JVM ({@link io.barge.bench.report.ReportWorker}), as JMH forks do.
 * Single-thread rows drive a chain of domains from one thread (claim, commit, poll, forward, touch, release);
 * two-thread rows put the receiver on an Agrona agent thread and are tagged near/far/mixed by a ping-pong probe
 * before and after each window, and alternate, size by size, with the two-thread references: the cross-core limit
 * ({@link io.barge.bench.core.CrossCoreLimit}), Aeron IPC ({@link io.barge.bench.core.AeronIpc}) and, at 64 B,
 * Agrona's ring buffer. Counters come from the kernel before and after the measured iterations.
 */
package io.barge.bench.report;
