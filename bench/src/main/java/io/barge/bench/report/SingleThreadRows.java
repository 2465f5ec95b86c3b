package io.barge.bench.report;

import io.barge.core.Kernel;
import io.barge.core.transport.Transport;
import io.barge.drivers.pipeline.PipelinePath;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.function.Consumer;

/**
 * Measures one transport mode from a single thread that alternates send and receive: every size touched and not
 * touched over one crossing, then pipelines of each length. Placement "single-thread": no second CPU takes part,
 * so the vCPU placement does not matter.
 */
final class SingleThreadRows
{
    private final Settings settings;
    private final Kernel kernel;
    private final ModeSpec mode;
    private final Transport transport;
    private final Harness harness;

    /**
     * @param settings  the run's settings.
     * @param kernel    the machine.
     * @param mode      the mode measured.
     * @param transport created from it on the kernel.
     */
    SingleThreadRows(final Settings settings, final Kernel kernel, final ModeSpec mode, final Transport transport)
    {
        this.settings = settings;
        this.kernel = kernel;
        this.mode = mode;
        this.transport = transport;
        this.harness = Harness.of(settings);
    }

    /**
     * Measures every row; a row that fails is reported and the others go on.
     *
     * @param out      receives each row as it is measured.
     * @param failures receives "what: why" for each row that failed.
     * @param progress told the name of each step as it finishes.
     */
    void run(final Consumer<ReportModel.Row> out, final Consumer<String> failures, final Consumer<String> progress)
    {
        for (final int size : settings.sizes())
        {
            for (final boolean touch : List.of(false, true))
            {
                final String step = mode.display() + " crossing " + size + " B" + (touch ? " touched" : "");
                progress.accept(ReportCommand.STARTING + step);
                attempt(() -> out.accept(measure("crossing", 1, size, touch)), step, failures);
                progress.accept(step);
            }
        }
        for (final int hops : settings.hops())
        {
            final String step = mode.display() + " pipeline " + hops + " hops";
            progress.accept(ReportCommand.STARTING + step);
            attempt(() -> out.accept(measure("pipeline", hops, settings.pipelineBytes(), true)), step, failures);
            progress.accept(step);
        }
    }

    private static void attempt(final Runnable measurement, final String step, final Consumer<String> failures)
    {
        try
        {
            measurement.run();
        }
        catch (final RuntimeException ex)
        {
            failures.accept(step + ": " + ex);
        }
    }

    private ReportModel.Row measure(final String scenario, final int hops, final int size, final boolean touch)
    {
        try (PipelinePath path = new PipelinePath(kernel, transport, hops, TransportSubject.config(size, 8, 4 << 20),
            size, touch))
        {
            final long[] snapshot = new long[Counting.snapshot(kernel).length];
            final Runnable beforeMeasured = () -> kernel.counters().totals(snapshot);
            final Harness.Measurement m;
            Double bareRead = null;
            if (touch)
            {
                // The reference for "x bare read": the same touch routine over a private buffer of the same size, in
                // this JVM, in iterations alternating with the transport's so both see the same JIT and machine state.
                final Harness.Measurement[] pair = harness.interleaved(path::send, batch(size),
                    SingleThreadReferences.bareRead(size), batch(size), beforeMeasured);
                m = pair[0];
                bareRead = pair[1].opsPerSecond() * size;
            }
            else
            {
                m = harness.measure(path::send, batch(size), beforeMeasured);
            }
            final long[] after = Counting.snapshot(kernel);
            final ReportModel.PerMessage perMessage = Counting.perMessage(snapshot, after, m.measuredOps());
            final ReportModel.Latency latency = latencyPass(path);
            final double bytesPerSecond = m.opsPerSecond() * size;
            return new ReportModel.Row(mode.transport(), mode.label(), scenario, hops, size, touch,
                "single-thread", 1, m.opsPerSecond(), bytesPerSecond,
                bareRead == null || bareRead <= 0 ? null : bytesPerSecond / bareRead, bareRead, latency, perMessage,
                m.spread(), List.of());
        }
    }

    private ReportModel.Latency latencyPass(final PipelinePath path)
    {
        final Histogram histogram = Counting.newHistogram();
        final long end = System.nanoTime() + settings.latencyNanos();
        long sink = 0;
        do
        {
            final long start = System.nanoTime();
            sink += path.sendOne();
            histogram.recordValue(System.nanoTime() - start);
        }
        while (System.nanoTime() < end);
        Blackhole.consume(sink);
        return Counting.latency(histogram);
    }

    /**
     * @param size message size.
     * @return messages between clock reads: about 64 KiB of payload, at least one.
     */
    static int batch(final int size)
    {
        return Math.max(1, Math.min(256, 65536 / size));
    }
}
