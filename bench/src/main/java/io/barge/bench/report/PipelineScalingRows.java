package io.barge.bench.report;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.drivers.pipeline.MessageWriter;
import io.barge.drivers.pipeline.Pipeline;
import io.barge.drivers.pipeline.PipelineResult;
import io.barge.drivers.pipeline.StageHandler;
import io.barge.drivers.pipeline.TransportSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The pipeline-scaling rows: pipelines of each length at the pipeline size ({@link Settings#pipelineBytes()}), per
 * chain of transports (copy, fbufs cached and volatile, rbufs, xen with persistent grants, and the mixed chain xen,
 * fbufs, rbufs cycled over the hops), stages on their own threads and all on one thread, built with
 * {@link Pipeline} (the library {@code barge pipeline} runs). Every window is one pipeline run of about an
 * iteration's messages after a warm-up; windows of every chain, length and thread count alternate round by round,
 * and each row is divided by the same chain's 1-hop row with the same threading from the same run. The sink touches
 * every byte.
 */
final class PipelineScalingRows
{
    /** The mixed chain's transports in hop order. */
    static final List<String> MIXED = List.of("xen", "fbufs", "rbufs");
    /** Messages in flight per hop (as the single-thread rows), within {@link TransportSubject#IN_FLIGHT_BYTES}. */
    private static final int IN_FLIGHT = 8;
    /** Fewest messages a window measures, whatever the rate. */
    private static final long MIN_MESSAGES = 32;
    /** Most messages a window measures. */
    private static final long MAX_MESSAGES = 200_000;

    private final Settings settings;
    private final Kernel kernel;
    private final List<List<TransportSpec>> chains;
    private long touched;

    /** One pipeline shape and what its windows gathered. */
    private static final class Target
    {
        final List<TransportSpec> chain;
        final int hops;
        final int threads;
        final List<Double> rates = new ArrayList<>();
        final long[] deltas;
        long measured;
        long copied;
        long received;
        double lastRate;
        boolean failed;

        Target(final List<TransportSpec> chain, final int hops, final int threads, final int counters)
        {
            this.deltas = new long[counters];
            this.chain = chain;
            this.hops = hops;
            this.threads = threads;
        }
    }

    /**
     * @param settings   the run's settings.
     * @param kernel     the machine the pipelines' domains live on.
     * @param transports the selected transports: a chain is measured only if all of its transports are.
     */
    PipelineScalingRows(final Settings settings, final Kernel kernel, final Set<String> transports)
    {
        this.settings = settings;
        this.kernel = kernel;
        this.chains = chains(settings.quick(), transports);
    }

    /**
     * @param quick      a quick run: copy, fbufs and the mixed chain only.
     * @param transports the selected transports.
     * @return the chains measured.
     */
    static List<List<TransportSpec>> chains(final boolean quick, final Set<String> transports)
    {
        final List<List<TransportSpec>> all = new ArrayList<>();
        final TransportSpec copy = TransportSpec.of("copy");
        final TransportSpec fbufs = TransportSpec.of("fbufs", Map.of("cached", "true", "volatile", "true"));
        final TransportSpec rbufs = TransportSpec.of("rbufs");
        final TransportSpec xen = TransportSpec.of("xen", Map.of("grants", "persistent"));
        for (final List<TransportSpec> chain : quick ? List.of(List.of(copy), List.of(fbufs), List.of(xen, fbufs,
            rbufs)) : List.of(List.of(copy), List.of(fbufs), List.of(rbufs), List.of(xen), List.of(xen, fbufs, rbufs)))
        {
            if (chain.stream().allMatch((spec) -> transports.contains(spec.name())))
            {
                all.add(chain);
            }
        }
        return all;
    }

    /**
     * @param quick a quick run: own threads only.
     * @return whether the one-thread rows are measured too.
     */
    static boolean oneThread(final boolean quick)
    {
        return !quick;
    }

    /**
     * @param settings   the run's settings.
     * @param transports the selected transports.
     * @return progress steps: one per measured window.
     */
    static int units(final Settings settings, final Set<String> transports)
    {
        return chains(settings.quick(), transports).size() * settings.hops().size() *
            (oneThread(settings.quick()) ? 2 : 1) * settings.measuredIterations();
    }

    /**
     * @param chain transports in hop order.
     * @return its name in rows, e.g. "xen[grants=persistent],fbufs[cached=true,volatile=true],rbufs".
     */
    static String name(final List<TransportSpec> chain)
    {
        return chain.stream().map((spec) -> spec.name() + (spec.options().isEmpty() ? "" : spec.options()
            .entrySet().stream().sorted(Map.Entry.comparingByKey()).map((e) -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(",", "[", "]")))).collect(Collectors.joining(","));
    }

    /**
     * Measures every row; a shape that fails is reported and the others go on.
     *
     * @param out      receives each row.
     * @param failures receives "what: why".
     * @param progress told each window as it finishes.
     */
    void run(final Consumer<ReportModel.ScalingRow> out, final Consumer<String> failures,
        final Consumer<String> progress)
    {
        final List<Target> targets = new ArrayList<>();
        final int counters = Counting.snapshot(kernel).length;
        for (final List<TransportSpec> chain : chains)
        {
            for (final int hops : settings.hops())
            {
                targets.add(new Target(chain, hops, hops + 1, counters));
                if (oneThread(settings.quick()))
                {
                    targets.add(new Target(chain, hops, 1, counters));
                }
            }
        }
        for (final Target target : targets)
        {
            // Warm-up: a short first run that also gives the rate the windows are sized from.
            attempt(target, MIN_MESSAGES * 4, false, failures);
            for (int i = 1; i < settings.warmupIterations(); i++)
            {
                attempt(target, messages(target), false, failures);
            }
        }
        for (int round = 0; round < settings.measuredIterations(); round++)
        {
            for (final Target target : targets)
            {
                final String step = "pipeline " + name(target.chain) + " " + target.hops + " hops " +
                    target.threads + (target.threads == 1 ? " thread" : " threads");
                progress.accept(ReportCommand.STARTING + step);
                attempt(target, messages(target), true, failures);
                progress.accept(step);
            }
        }
        Blackhole.consume(touched);
        for (final Target target : targets)
        {
            emit(target, targets, out);
        }
    }

    private long messages(final Target target)
    {
        final double seconds = settings.iterationNanos() / 1e9;
        return Math.max(MIN_MESSAGES, Math.min(MAX_MESSAGES, (long)(target.lastRate * seconds)));
    }

    private void attempt(final Target target, final long messages, final boolean measured,
        final Consumer<String> failures)
    {
        if (target.failed)
        {
            return;
        }
        try
        {
            window(target, messages, measured);
        }
        catch (final RuntimeException ex)
        {
            target.failed = true;
            failures.accept("pipeline " + name(target.chain) + " " + target.hops + " hops, " + target.threads +
                " threads: " + ex);
        }
    }

    private void window(final Target target, final long messages, final boolean measured)
    {
        final int size = settings.pipelineBytes();
        // Warm-up messages left out of the window: enough to fill every hop's channel and start every thread.
        final long warmup = (long)IN_FLIGHT * target.hops + MIN_MESSAGES;
        final Pipeline.Builder builder = Pipeline.builder(kernel)
            .source(warmup + messages, size, MessageWriter.HEADER_ONLY)
            .sink("sink", (message) -> touched += message.touch())
            .channelConfig(config(size))
            .threads(target.threads)
            .warmup(warmup)
            .timeout(60, TimeUnit.SECONDS);
        for (int stage = 1; stage < target.hops; stage++)
        {
            builder.stage("stage" + stage, StageHandler.FORWARD);
        }
        for (int hop = 0; hop < target.hops; hop++)
        {
            builder.hop(hop, target.chain.get(hop % target.chain.size()));
        }
        final PipelineResult result = builder.build().run();
        if (!result.completed() || result.sequenceErrors() != 0 || result.framesLeaked() != 0)
        {
            throw new IllegalStateException("run incomplete or wrong: completed=" + result.completed() +
                ", sequence errors=" + result.sequenceErrors() + ", frames leaked=" + result.framesLeaked());
        }
        target.lastRate = result.messagesPerSecond();
        if (measured)
        {
            target.rates.add(result.messagesPerSecond());
            target.measured += result.measuredMessages();
            target.copied += result.copiedForwards();
            target.received += result.received();
            final CounterType[] types = CounterType.values();
            for (int i = 0; i < target.deltas.length && i < types.length; i++)
            {
                target.deltas[i] += result.counterDelta(types[i]);
            }
        }
    }

    private static ChannelConfig config(final int size)
    {
        return TransportSubject.config(size, IN_FLIGHT, TransportSubject.IN_FLIGHT_BYTES);
    }

    private void emit(final Target target, final List<Target> all, final Consumer<ReportModel.ScalingRow> out)
    {
        if (target.failed || target.rates.isEmpty())
        {
            return;
        }
        final double[] rates = target.rates.stream().mapToDouble(Double::doubleValue).toArray();
        final double rate = Harness.median(rates);
        // The same chain, one hop, the same threading (own threads or one thread), from this run's windows.
        Double ratio = null;
        for (final Target one : all)
        {
            if (one.chain.equals(target.chain) && one.hops == 1 && (one.threads == 1) == (target.threads == 1) &&
                !one.failed && !one.rates.isEmpty())
            {
                final double base = Harness.median(one.rates.stream().mapToDouble(Double::doubleValue).toArray());
                ratio = base > 0 ? rate / base : null;
            }
        }
        out.accept(new ReportModel.ScalingRow(name(target.chain), target.hops, target.threads,
            settings.pipelineBytes(), rate, rate * settings.pipelineBytes(), ratio,
            Counting.perMessage(new long[target.deltas.length], target.deltas, target.measured),
            target.received == 0 ? 0 : target.copied / (double)target.received, Harness.spread(rates)));
    }
}
