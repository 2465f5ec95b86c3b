package io.barge.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a report run measures and for how long; handed unchanged to each forked measurement JVM.
 *
 * @param quick                   whether this is a {@code --quick} run.
 * @param sizes                   crossing message sizes.
 * @param hops                    pipeline lengths measured.
 * @param pipelineBytes           pipeline message size.
 * @param twoThreadSizes          message sizes of the two-thread crossings.
 * @param twoThreadRounds         alternating windows per two-thread row.
 * @param warmupIterations        unmeasured iterations first.
 * @param measuredIterations      measured iterations.
 * @param iterationNanos          length of one iteration.
 * @param latencyNanos            length of the latency pass of a single-thread row.
 * @param placementThresholdNanos a ping-pong p50 below it means "near", otherwise "far".
 * @param memoryFrames            4 KiB frames of simulated physical memory per group.
 * @param probeRoundTrips         measured round trips of each placement probe.
 */
record Settings(boolean quick, List<Integer> sizes, List<Integer> hops, int pipelineBytes,
    List<Integer> twoThreadSizes, int twoThreadRounds, int warmupIterations, int measuredIterations,
    long iterationNanos, long latencyNanos, long placementThresholdNanos, int memoryFrames,
    int probeRoundTrips)
{
    /** Default sizes: 64 B to 1 MiB by factors of 4. */
    static final List<Integer> FULL_SIZES = List.of(64, 256, 1024, 4096, 16384, 65536, 262144, 1048576);
    /** Sizes of a quick run. */
    static final List<Integer> QUICK_SIZES = List.of(64, 4096, 65536, 1048576);
    /** Two-thread sizes of a full run. */
    static final List<Integer> TWO_THREAD_SIZES = List.of(64, 4096, 65536, 1048576);
    /** Two-thread sizes of a quick run: the descriptor rate and the bulk size the goals are quoted at. */
    static final List<Integer> QUICK_TWO_THREAD_SIZES = List.of(64, 65536);
    /** Pipeline lengths. */
    static final List<Integer> HOPS = List.of(1, 2, 4, 8);
    /** Pipeline message size. */
    static final int PIPELINE_BYTES = 64 * 1024;

    /**
     * @return the settings as JSON-friendly values for the environment block.
     */
    Map<String, Object> describe()
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("quick", quick);
        values.put("sizes", sizes);
        values.put("pipelineHops", hops);
        values.put("pipelineBytes", pipelineBytes);
        values.put("twoThreadSizes", twoThreadSizes);
        values.put("twoThreadRounds", twoThreadRounds);
        values.put("warmupIterations", warmupIterations);
        values.put("measuredIterations", measuredIterations);
        values.put("iterationMillis", iterationNanos / 1e6);
        values.put("latencyPassMillis", latencyNanos / 1e6);
        values.put("placementThresholdNanos", placementThresholdNanos);
        values.put("probeRoundTrips", probeRoundTrips);
        return values;
    }
}
