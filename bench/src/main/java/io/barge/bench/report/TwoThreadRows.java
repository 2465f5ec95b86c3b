package io.barge.bench.report;

import io.barge.bench.core.ThreadCpu;

import io.barge.core.Kernel;
import io.barge.core.transport.Transport;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The two-thread measurements: at each size, the references (the cross-core limit, Aeron IPC and, for small
 * messages, Agrona's ring buffer) and each transport mode's crossing, in short alternating windows (size by size:
 * limit, Aeron, Agrona, mode 1, mode 2, ...; then the next size; then the next round) so that every subject sees
 * both placements when the vCPUs flip. A placement probe runs before and after each window; a window whose probes
 * disagree ("mixed") is measured again, up to {@link PlacementProbe#MIXED_RETRIES} times, and kept as mixed only if
 * it never settles ({@link PlacementProbe#settle}). Windows of the same subject and placement are pooled into one
 * row, so every ratio can be taken within one placement and size.
 */
final class TwoThreadRows
{
    /**
     * Least share of a window each thread must spend on a CPU: below it the window measured the scheduler (JIT
     * threads, other processes) rather than the two threads, and is retried; kept as mixed if it never settles.
     */
    static final double MIN_CPU_SHARE = 0.9;
    /** Largest size at which Agrona's ring is measured: a message no bigger than a transport's descriptor. */
    static final int AGRONA_MAX_BYTES = 64;

    private final Settings settings;
    private final Kernel kernel;
    private final List<Target> targets = new ArrayList<>();
    private final PlacementProbe probe;
    private final Harness harness;
    private final Consumer<String> failures;

    /** One subject and what its windows gathered, per placement. */
    private static final class Target
    {
        final String reference;
        final ModeSpec mode;
        final TwoThreadSubject subject;
        final Map<String, Pool> pools = new LinkedHashMap<>();
        boolean failed;

        /**
         * @param reference the reference's name, or null for a transport mode.
         * @param mode      the transport mode, or null for a reference.
         * @param subject   what is measured.
         */
        Target(final String reference, final ModeSpec mode, final TwoThreadSubject subject)
        {
            this.reference = reference;
            this.mode = mode;
            this.subject = subject;
        }
    }

    /** Makes a reference subject of a size and capacity. */
    @FunctionalInterface
    private interface ReferenceFactory
    {
        TwoThreadSubject create(int messageBytes, int capacity);
    }

    /** Windows of one placement. */
    private static final class Pool
    {
        final List<Double> rates = new ArrayList<>();
        final List<Double> probes = new ArrayList<>();
        final Histogram histogram = Counting.newHistogram();
        final long[] before = new long[io.barge.core.CounterType.values().length];
        final long[] after = new long[before.length];
        long messages;
    }

    /**
     * @param settings   the run's settings.
     * @param kernel     the machine.
     * @param transports each mode's transport, created on the kernel.
     * @param failures   receives "what: why" for each subject that could not be set up or measured.
     */
    TwoThreadRows(final Settings settings, final Kernel kernel, final Map<ModeSpec, Transport> transports,
        final Consumer<String> failures)
    {
        this.failures = failures;
        this.settings = settings;
        this.kernel = kernel;
        this.probe = new PlacementProbe(settings.probeRoundTrips());
        this.harness = new Harness(1, settings.measuredIterations(), settings.iterationNanos());
        for (final int size : settings.twoThreadSizes())
        {
            // The references at each size the transports run, with as many messages in flight as their channels.
            final int capacity = TransportSubject.config(size, TransportSubject.MAX_IN_FLIGHT,
                TransportSubject.IN_FLIGHT_BYTES).capacity();
            reference(CrossCoreLimitSubject.NAME, size, capacity, CrossCoreLimitSubject::new);
            reference(AeronIpcSubject.NAME, size, capacity, AeronIpcSubject::new);
            if (size <= AGRONA_MAX_BYTES)
            {
                reference(AgronaRingSubject.NAME, size, capacity, AgronaRingSubject::new);
            }
            for (final Map.Entry<ModeSpec, Transport> entry : transports.entrySet())
            {
                try
                {
                    targets.add(new Target(null, entry.getKey(), new TransportSubject(kernel, entry.getValue(), size)));
                }
                catch (final RuntimeException ex)
                {
                    failures.accept("two-thread " + entry.getKey().display() + " " + size + " B: " + ex);
                }
            }
        }
    }

    /**
     * @param messageBytes a two-thread size.
     * @return how many references are measured at it (for the progress count).
     */
    static int referencesAt(final int messageBytes)
    {
        return messageBytes <= AGRONA_MAX_BYTES ? 3 : 2;
    }

    private void reference(final String name, final int size, final int capacity, final ReferenceFactory factory)
    {
        try
        {
            targets.add(new Target(name, null, factory.create(size, capacity)));
        }
        catch (final RuntimeException ex)
        {
            // Without this reference the rows at this size still run; the page says what could not be set up.
            failures.accept("two-thread " + name + " " + size + " B: " + ex);
        }
    }

    /**
     * @param rows       receives the transport rows.
     * @param references receives the reference rows (cross-core limit, Aeron IPC, Agrona).
     * @param progress   told the name of each window as it finishes.
     */
    void run(final Consumer<ReportModel.Row> rows, final Consumer<ReportModel.Reference> references,
        final Consumer<String> progress)
    {
        try
        {
            for (int round = 0; round < settings.twoThreadRounds(); round++)
            {
                for (final Target target : targets)
                {
                    progress.accept(ReportCommand.STARTING + "two-thread " + name(target) + " round " + (round + 1));
                    if (!target.failed)
                    {
                        attempt(target);
                    }
                    progress.accept("two-thread " + name(target) + " round " + (round + 1));
                }
            }
            for (final Target target : targets)
            {
                emit(target, rows, references);
            }
        }
        finally
        {
            targets.forEach((t) -> t.subject.close());
        }
    }

    private void attempt(final Target target)
    {
        try
        {
            window(target);
        }
        catch (final RuntimeException ex)
        {
            // Stops the consumer if the failure left it running; the subject is not measured again.
            target.failed = true;
            target.subject.close();
            failures.accept("two-thread " + name(target) + ": " + ex);
        }
    }

    /** One attempt at a window: the harness's measurement, the counters around it and the threads' CPU share. */
    private record Run(Harness.Measurement measurement, long[] countersBefore, long[] countersAfter, double cpuShare)
    {
    }

    private void window(final Target target)
    {
        final TwoThreadSubject subject = target.subject;
        final PlacementProbe.Settled<Run> settled = probe.settle(() -> run(subject),
            settings.placementThresholdNanos(), (run) -> run.cpuShare() < MIN_CPU_SHARE);
        final Run run = settled.result();
        final Pool pool = target.pools.computeIfAbsent(settled.placement(), (p) -> new Pool());
        for (final double rate : run.measurement().rates())
        {
            pool.rates.add(rate);
        }
        pool.probes.add(settled.before());
        pool.probes.add(settled.after());
        pool.messages += run.measurement().measuredOps();
        for (int i = 0; i < run.countersBefore().length; i++)
        {
            pool.before[i] += run.countersBefore()[i];
            pool.after[i] += run.countersAfter()[i];
        }
        pool.histogram.add(subject.histogram()); // the last attempt's: each attempt resets it
    }

    private Run run(final TwoThreadSubject subject)
    {
        final long[] countersBefore = Counting.snapshot(kernel);
        subject.histogram().reset();
        subject.start();
        final Thread consumerThread = subject.consumerThread();
        final long wallStart = System.nanoTime();
        final long producerCpuStart = ThreadCpu.now();
        final long consumerCpuStart = ThreadCpu.of(consumerThread);
        final Harness.Measurement m = harness.measure(subject::produce, 64, () ->
        {
            kernel.counters().totals(countersBefore);
            subject.recording(true);
        });
        final long[] countersAfter = Counting.snapshot(kernel);
        final long wall = System.nanoTime() - wallStart;
        final double cpuShare = Math.min(ThreadCpu.share(ThreadCpu.now() - producerCpuStart, wall),
            ThreadCpu.share(ThreadCpu.of(consumerThread) - consumerCpuStart, wall));
        subject.recording(false);
        subject.stop();
        return new Run(m, countersBefore, countersAfter, cpuShare);
    }

    private void emit(final Target target, final Consumer<ReportModel.Row> rows,
        final Consumer<ReportModel.Reference> references)
    {
        final int size = target.subject.messageBytes();
        for (final Map.Entry<String, Pool> entry : target.pools.entrySet())
        {
            final Pool pool = entry.getValue();
            final double[] rates = pool.rates.stream().mapToDouble(Double::doubleValue).toArray();
            final double rate = Harness.median(rates);
            if (target.mode == null)
            {
                references.accept(new ReportModel.Reference(target.reference, size, entry.getKey(),
                    2, rate * size, rate, 1e9 / rate, Harness.spread(rates), List.copyOf(pool.probes)));
            }
            else
            {
                rows.accept(new ReportModel.Row(target.mode.transport(), target.mode.label(), "crossing", 1, size,
                    true, entry.getKey(), 2, rate, rate * size, null, null, Counting.latency(pool.histogram),
                    Counting.perMessage(pool.before, pool.after, pool.messages), Harness.spread(rates),
                    List.copyOf(pool.probes)));
            }
        }
    }

    private static String name(final Target target)
    {
        return (target.mode == null ? target.reference : target.mode.display()) + " " +
            target.subject.messageBytes() + " B";
    }
}
