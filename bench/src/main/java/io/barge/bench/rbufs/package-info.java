/**
 * Benchmarks of Rbufs, each beside its reference in the same run:
 * <pre>
 *   ./barge bench RbufsThroughput -f 1      transmit- and receive-master vs copy and the bare read, 64 B to 1 MiB
 *   ./barge bench RbufsDescriptorRate -f 1  64 B descriptor rate vs Agrona's OneToOneRingBuffer, same work
 *   ./barge bench RbufsMulticast -f 1       one message to 1, 2 and 4 receivers
 * </pre>
 * Start from {@link io.barge.bench.rbufs.RbufsThroughputBenchmark} (the "× bare read" ratio),
 * {@link io.barge.bench.rbufs.RbufsDescriptorRateBenchmark} and {@link io.barge.bench.rbufs.RbufsMulticastBenchmark}.
 * <p>
 * Threading and ownership: one JMH thread plays every end (sender, receivers, the master returning regions), on a
 * machine built in the trial set-up and closed in the tear-down; forks get Agrona's
 * {@code --add-opens} and bounds checks off.
 */
package io.barge.bench.rbufs;
