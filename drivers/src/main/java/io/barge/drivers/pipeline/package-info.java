/**
 * Streaming pipelines as a library: a {@link io.barge.drivers.pipeline.Pipeline} chains protection domains (a
 * source, middle stages, a sink) with a transport per hop ({@link io.barge.drivers.pipeline.TransportSpec}); each
 * middle stage is a {@link io.barge.drivers.pipeline.StageHandler} that forwards untouched, transforms or consumes;
 * each domain is an Agrona agent, on its own thread or composed with its neighbours. A run returns a
 * {@link io.barge.drivers.pipeline.PipelineResult}: messages, bytes, throughput, one-way latency percentiles and
 * cost-counter deltas per domain. The {@code barge pipeline} command, the report and the benchmarks all use it.
 */
package io.barge.drivers.pipeline;
