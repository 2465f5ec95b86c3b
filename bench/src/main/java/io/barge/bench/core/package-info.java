/**
 * Benchmarks of the foundation: the UMP and LMP notification channels against Agrona's ring buffer, and the copy
 * transport. Run them from the repository root:
 * <pre>
 *   ./barge ump-vs-agrona                 UMP vs Agrona OneToOneRingBuffer, 56-byte messages, two threads, in
 *                                         alternating windows per vCPU placement (near/far); the ratio to quote
 *   ./barge ping-pong                     UMP vs Agrona round trips (HdrHistogram p50/p99/p99.9) per placement
 *   ./barge bench UmpVsAgrona -f 1        plain JMH reference of the same (two threads per group)
 *   ./barge bench UmpSendReceive -f 1     one send plus receive on one thread, UMP and Agrona
 *   ./barge bench LmpBenchmark -f 1       LMP send + poll / synchronous handler / waitset dispatch
 *   ./barge bench CopyTransport -f 1      one crossing of the copy transport, 64 B to 1 MiB (-p size=...)
 *   ./barge bench CrossCoreLimit -f 1     the report's two-thread references, 64 B to 1 MiB: the cross-core limit
 *                                         (CrossCoreLimit) and Aeron IPC (AeronIpc)
 * </pre>
 * Allocation check: add {@code -prof gc} to any JMH run and read {@code gc.alloc.rate.norm}; steady-state send and
 * receive should show ~0 B/op (e.g. {@code ./barge bench 'UmpSendReceive|LmpBenchmark|UmpVsAgrona' -f 1 -prof gc}).
 * {@code AllocationTest} checks the same in the test suite with the thread's allocation counter.
 * <p>
 * Two-thread figures on 2-vCPU machines flip between a near and a far placement of the vCPUs for seconds to minutes;
 * only the alternating-window runners ({@link io.barge.bench.core.UmpVsAgrona}) report them per placement. Every
 * JMH class forks with {@link io.barge.bench.core.BenchJvm}'s arguments (Agrona's {@code --add-opens}, bounds checks
 * off).
 */
package io.barge.bench.core;
