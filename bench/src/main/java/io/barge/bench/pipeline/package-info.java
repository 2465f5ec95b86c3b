/**
 * The streaming pipeline: a source domain, forwarding domains and a sink, one Agrona agent each, over any transport
 * found by name. {@link io.barge.bench.pipeline.Pipeline#run(io.barge.bench.pipeline.PipelineConfig)} takes a
 * {@link io.barge.bench.pipeline.PipelineConfig} and returns a {@link io.barge.bench.pipeline.PipelineResult}
 * (messages/s, bytes/s, one-way latency histogram, cost counters per message, frames returned); the
 * {@code barge pipeline} command and the report both use it.
 */
package io.barge.bench.pipeline;
