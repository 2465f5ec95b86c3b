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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The pipeline-scaling rows: pipelines of each length at the pipeline size ({@link Settings#pipelineBytes()}), per
 * chain of transports (copy, fbufs cached and volatile, rbufs, xen with persistent grants, and the mixed chain xen,
 * fbufs, rbufs cycled over the hops), on one, two and own threads (below), built with
 * {@link Pipeline} (the library {@code barge pipeline} runs). Every window is one pipeline run of about an
 * iteration's messages after a warm-up; windows of every chain, length and threading alternate round by round. The
 * sink touches every byte.
 * <p>
 * Three threadings: all stages on one thread; the stages split over two threads (the two vCPUs of the machines
 * Barge is measured on, and the goal's "stages on two threads"); each stage on its own thread (hops + 1 threads,
 * more than there are vCPUs beyond one hop). For one hop the last two are the same two threads, measured once. A
 * window on more than one thread is bracketed by placement probes, as the two-thread rows are, and pooled with the
 * windows of its placement; a window whose probes disagree is measured again, up to
 * {@link PlacementProbe#MIXED_RETRIES} times. Each row is divided by the same chain's 1-hop row with the same
 * threading (one thread, or more) and the same placement, from the same run.
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

    private final PlacementProbe probe;

    /** One pipeline shape and what its windows gathered, per placement. */
    private static final class Target
    {
        final List<TransportSpec> chain;
        final int hops;
        final int threads;
        final int counters;
        final Map<String, Pool> pools = new LinkedHashMap<>();
        double lastRate;
        boolean failed;

        Target(final List<TransportSpec> chain, final int hops, final int threads, final int counters)
        {
            this.counters = counters;
            this.chain = chain;
            this.hops = hops;
            this.threads = threads;
        }

        /** @return whether every stage runs on one thread (its 1-hop base is the one-thread row, else two threads). */
        boolean oneThread()
        {
            return threads == 1;
        }
    }

    /** Windows of one shape and placement. */
    private static final class Pool
    {
        final List<Double> rates = new ArrayList<>();
        final long[] deltas;
        long measured;
        long copied;
        long received;

        Pool(final int counters)
        {
            this.deltas = new long[counters];
        }

        /** @return the windows' rates, for {@link Harness#median} and {@link Harness#spread}. */
        double[] rateArray()
        {
            return rates.stream().mapToDouble(Double::doubleValue).toArray();
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
        this.probe = new PlacementProbe(settings.probeRoundTrips());
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
     * @param quick a quick run: no one-thread rows.
     * @param hops  the pipeline's length.
     * @return the thread counts measured at that length, in order: 1 (unless quick), 2, and hops + 1 when that is
     *         more than 2.
     */
    static List<Integer> threadings(final boolean quick, final int hops)
    {
        final List<Integer> threads = new ArrayList<>();
        if (!quick)
        {
            threads.add(1);
        }
        threads.add(2);
        if (hops + 1 > 2)
        {
            threads.add(hops + 1);
        }
        return threads;
    }

    /**
     * @param settings   the run's settings.
     * @param transports the selected transports.
     * @return progress steps: one per measured window (a retried window is one step).
     */
    static int units(final Settings settings, final Set<String> transports)
    {
        int shapes = 0;
        for (final int hops : settings.hops())
        {
            shapes += threadings(settings.quick(), hops).size();
        }
        return chains(settings.quick(), transports).size() * shapes * settings.measuredIterations();
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
                for (final int threads : threadings(settings.quick(), hops))
                {
                    targets.add(new Target(chain, hops, threads, counters));
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
        if (!measured)
        {
            run(target, messages);
            return;
        }
        if (target.oneThread())
        {
            add(target, PlacementProbe.SINGLE_THREAD, run(target, messages));
            return;
        }
        final PlacementProbe.Settled<PipelineResult> settled = probe.settle(() -> run(target, messages),
            settings.placementThresholdNanos(), (result) -> false);
        add(target, settled.placement(), settled.result());
    }

    private static void add(final Target target, final String placement, final PipelineResult result)
    {
        final Pool pool = target.pools.computeIfAbsent(placement, (p) -> new Pool(target.counters));
        pool.rates.add(result.messagesPerSecond());
        pool.measured += result.measuredMessages();
        pool.copied += result.copiedForwards();
        pool.received += result.received();
        final CounterType[] types = CounterType.values();
        for (int i = 0; i < pool.deltas.length && i < types.length; i++)
        {
            pool.deltas[i] += result.counterDelta(types[i]);
        }
    }

    /** @return one pipeline run of the target's shape, checked whole; its rate sizes the next window. */
    private PipelineResult run(final Target target, final long messages)
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
        return result;
    }

    private static ChannelConfig config(final int size)
    {
        return TransportSubject.config(size, IN_FLIGHT, TransportSubject.IN_FLIGHT_BYTES);
    }

    private void emit(final Target target, final List<Target> all, final Consumer<ReportModel.ScalingRow> out)
    {
        if (target.failed)
        {
            return;
        }
        for (final Map.Entry<String, Pool> entry : target.pools.entrySet())
        {
            final Pool pool = entry.getValue();
            final double[] rates = pool.rateArray();
            final double rate = Harness.median(rates);
            final Double base = oneHopRate(target, entry.getKey(), all);
            out.accept(new ReportModel.ScalingRow(name(target.chain), target.hops, target.threads,
                entry.getKey(), settings.pipelineBytes(), rate, rate * settings.pipelineBytes(),
                base == null || base <= 0 ? null : rate / base,
                Counting.perMessage(new long[pool.deltas.length], pool.deltas, pool.measured),
                pool.received == 0 ? 0 : pool.copied / (double)pool.received, Harness.spread(rates)));
        }
    }

    /**
     * @return the median rate of the same chain's 1-hop windows with the same threading (one thread, or more) in
     *         the same placement, or null if there were none (a mixed row has no base: mixed is not one placement).
     */
    private static Double oneHopRate(final Target target, final String placement, final List<Target> all)
    {
        if (PlacementProbe.MIXED.equals(placement))
        {
            return null;
        }
        for (final Target one : all)
        {
            if (one.chain.equals(target.chain) && one.hops == 1 && one.oneThread() == target.oneThread() &&
                !one.failed && one.pools.containsKey(placement))
            {
                return Harness.median(one.pools.get(placement).rateArray());
            }
        }
        return null;
    }
}
