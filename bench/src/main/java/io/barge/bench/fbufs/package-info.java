/**
 * Benchmarks of fbufs, each beside its reference in the same run:
 * <pre>
 *   ./barge bench 'FbufsCrossing|FbufsBareRead' -f 1   one crossing, all 8 cached/volatile/integrated combinations
 *                                                      and copy, 64 B to 1 MiB, beside the bare read of that size
 *   ./barge bench FbufsAllocator -f 1 -prof gc         FbufByteBufAllocator vs Netty's Adaptive and Pooled (the
 *                                                      same leak detection, -p leakDetection=...), raw path apart
 *   java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp bench/target/barge.jar \
 *     io.barge.bench.fbufs.FbufsOverheadTable 65536    seed 004's overhead table, measured per combination
 * </pre>
 * {@link io.barge.bench.fbufs.FbufsCrossingBenchmark} and {@link io.barge.bench.fbufs.FbufsBareReadBenchmark} give
 * the "× bare read" ratio; {@link io.barge.bench.fbufs.FbufsAllocatorBenchmark} the allocator comparison;
 * {@link io.barge.bench.fbufs.FbufsOverheadTable} the counters per message.
 * <p>
 * Threading and ownership: every JMH benchmark here plays both ends on one thread, on a machine of its own built
 * in the trial set-up and closed in the tear-down; forks get Agrona's {@code --add-opens} and
 * bounds checks off.
 */
package io.barge.bench.fbufs;
