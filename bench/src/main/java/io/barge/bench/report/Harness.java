package io.barge.bench.report;

import java.util.Arrays;

/**
 * Runs a workload for warm-up iterations, then measured iterations of a fixed length, and reports the median rate
 * and the spread. Each iteration calls the workload in batches and reads the clock only between batches.
 */
final class Harness
{
    /** Work measured in operations. */
    @FunctionalInterface
    interface Workload
    {
        /**
         * @param operations how many operations to do now.
         * @return a value derived from the work, so the JIT cannot drop it.
         */
        long run(int operations);
    }

    /** The outcome: median rate, spread and how many operations the measured iterations did. */
    record Measurement(double opsPerSecond, ReportModel.Spread spread, long measuredOps, double[] rates)
    {
    }

    /**
     * Least warm-up time per measurement, however short the iterations: C2 has compiled a transport's path (and
     * recompiled it for a new size's branches) by then. Quick runs at their 20 ms floor warmed up 40 ms, and measured
     * the transports partly interpreted (64 B crossings 17x slower than with 150 ms iterations, ratios to the bare
     * read, which compiles at once, from 0.01 to above 1).
     */
    static final long MIN_WARMUP_NANOS = 300_000_000L;
    /** Warm-up iterations the minimum may ask for, at most. */
    static final int MAX_WARMUP_ITERATIONS = 15;

    private final int warmups;
    private final int iterations;
    private final long iterationNanos;
    private long sink;

    /**
     * @param warmups        unmeasured iterations.
     * @param iterations     measured iterations, at least 1.
     * @param iterationNanos length of each.
     */
    Harness(final int warmups, final int iterations, final long iterationNanos)
    {
        if (iterations < 1 || warmups < 0 || iterationNanos < 1)
        {
            throw new IllegalArgumentException("warmups=" + warmups + " iterations=" + iterations +
                " iterationNanos=" + iterationNanos + ": need warmups >= 0, iterations >= 1, iterationNanos >= 1");
        }
        this.warmups = warmups;
        this.iterations = iterations;
        this.iterationNanos = iterationNanos;
    }

    /**
     * @param settings the run's settings.
     * @return a harness with their iteration counts and length.
     */
    static Harness of(final Settings settings)
    {
        return new Harness(settings.warmupIterations(), settings.measuredIterations(), settings.iterationNanos());
    }

    /**
     * @return {@code warmups}, raised so that warm-up lasts {@link #MIN_WARMUP_NANOS} where that takes no more than
     * {@link #MAX_WARMUP_ITERATIONS} iterations.
     */
    static int warmupsFor(final int warmups, final long iterationNanos)
    {
        final long needed = (MIN_WARMUP_NANOS + iterationNanos - 1) / Math.max(1, iterationNanos);
        return (int)Math.max(warmups, Math.min(MAX_WARMUP_ITERATIONS, needed));
    }

    /**
     * Runs warm-up, then the measured iterations.
     *
     * @param workload    the work.
     * @param batch       operations between clock reads.
     * @param beforeMeasured called once between warm-up and the measured iterations (e.g. to snapshot counters).
     * @return the median rate and spread.
     */
    Measurement measure(final Workload workload, final int batch, final Runnable beforeMeasured)
    {
        for (int i = 0; i < warmups; i++)
        {
            iterate(workload, batch);
        }
        beforeMeasured.run();
        final double[] rates = new double[iterations];
        long ops = 0;
        for (int i = 0; i < iterations; i++)
        {
            final long start = System.nanoTime();
            final long done = iterate(workload, batch);
            final long elapsed = System.nanoTime() - start;
            rates[i] = done * 1e9 / Math.max(1, elapsed);
            ops += done;
        }
        return new Measurement(median(rates), spread(rates), ops, rates);
    }

    /**
     * Runs two workloads in alternating iterations (A, B, A, B, ...), warm-up included, so that both see the same
     * JIT state, heap and CPU placement: a ratio of the two compares like with like.
     *
     * @param a              the work measured.
     * @param batchA         operations of {@code a} between clock reads.
     * @param b              its reference.
     * @param batchB         operations of {@code b} between clock reads.
     * @param beforeMeasured called once between warm-up and the measured iterations (e.g. to snapshot counters).
     * @return the measurements of {@code a} and of {@code b}, in that order.
     */
    Measurement[] interleaved(final Workload a, final int batchA, final Workload b, final int batchB,
        final Runnable beforeMeasured)
    {
        for (int i = 0; i < warmups; i++)
        {
            iterate(a, batchA);
            iterate(b, batchB);
        }
        beforeMeasured.run();
        final double[] ratesA = new double[iterations];
        final double[] ratesB = new double[iterations];
        long opsA = 0;
        long opsB = 0;
        for (int i = 0; i < iterations; i++)
        {
            long start = System.nanoTime();
            final long doneA = iterate(a, batchA);
            ratesA[i] = doneA * 1e9 / Math.max(1, System.nanoTime() - start);
            opsA += doneA;
            start = System.nanoTime();
            final long doneB = iterate(b, batchB);
            ratesB[i] = doneB * 1e9 / Math.max(1, System.nanoTime() - start);
            opsB += doneB;
        }
        return new Measurement[]{ new Measurement(median(ratesA), spread(ratesA), opsA, ratesA),
            new Measurement(median(ratesB), spread(ratesB), opsB, ratesB) };
    }

    /**
     * @return the value the workloads returned, summed (keeps their results alive).
     */
    long sink()
    {
        return sink;
    }

    private long iterate(final Workload workload, final int batch)
    {
        final long deadline = System.nanoTime() + iterationNanos;
        long done = 0;
        do
        {
            sink += workload.run(batch);
            done += batch;
        }
        while (System.nanoTime() < deadline);
        return done;
    }

    static double median(final double[] values)
    {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return (n & 1) == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static ReportModel.Spread spread(final double[] rates)
    {
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final double r : rates)
        {
            sum += r;
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        final double mean = sum / rates.length;
        double squares = 0;
        for (final double r : rates)
        {
            squares += (r - mean) * (r - mean);
        }
        final double stdev = rates.length > 1 ? Math.sqrt(squares / (rates.length - 1)) : 0;
        return new ReportModel.Spread(rates.length, mean, min, max, stdev);
    }
}
