package io.barge.bench.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.Channel;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Streams messages from a source domain through forwarding domains to a sink, over any transport found by name,
 * and measures it: a {@link PipelineConfig} in, a {@link PipelineResult} out.
 * <p>
 * Each domain is a stage run as an Agrona {@link Agent}; the stages are spread in path order over a few threads
 * (a {@link CompositeAgent} per thread), each thread an {@link AgentRunner} with a backoff idle strategy. The run
 * ends when the sink has every message (a latch, with a timeout), then everything is torn down and the free-frame
 * count is compared with the count before the transport was created.
 */
public final class Pipeline
{
    private static final long HIGHEST_LATENCY_NS = TimeUnit.MINUTES.toNanos(10);

    private Pipeline()
    {
    }

    /**
     * Runs on a machine of its own: physical memory of {@link PipelineConfig#memoryMiB()} and a kernel, both closed
     * afterwards.
     *
     * @param config what to run.
     * @return the figures.
     * @throws io.barge.core.transport.InvalidOptionException if the transport, an option key or a value is unknown.
     * @throws IllegalStateException                         if a stage failed (the cause says why).
     */
    public static PipelineResult run(final PipelineConfig config)
    {
        final TransportProvider provider = Transports.find(config.transport());
        final TransportOptions options = TransportOptions.parse(config.transport(), provider.options(),
            config.options());
        final int frames = (int)((long)config.memoryMiB() * 1024 * 1024 / PhysicalMemory.DEFAULT_FRAME_SIZE);
        final PhysicalMemory memory = PhysicalMemory.allocateDirect(frames);
        try
        {
            final Kernel kernel = new Kernel(memory);
            try
            {
                return run(config, kernel, provider, options);
            }
            finally
            {
                kernel.close();
            }
        }
        finally
        {
            memory.close();
        }
    }

    /**
     * Runs on an existing kernel: creates the domains, the transport and the channels, and destroys them afterwards.
     *
     * @param config what to run ({@link PipelineConfig#memoryMiB()} is ignored).
     * @param kernel the machine.
     * @return the figures.
     */
    public static PipelineResult run(final PipelineConfig config, final Kernel kernel)
    {
        final TransportProvider provider = Transports.find(config.transport());
        return run(config, kernel, provider, TransportOptions.parse(config.transport(), provider.options(),
            config.options()));
    }

    private static PipelineResult run(final PipelineConfig config, final Kernel kernel,
        final TransportProvider provider, final TransportOptions options)
    {
        final int freeBefore = kernel.freeFrames();
        final Domain[] path = createDomains(kernel, config.domains());
        Transport transport = null;
        Channel[] hops = new Channel[0];
        try
        {
            transport = provider.create(kernel, options);
            hops = transport.openPath(path, config.channelConfig());
            final String name = options.toString();
            final Streamed streamed = stream(config, kernel, hops);
            closeAll(hops);
            hops = new Channel[0];
            transport.close();
            transport = null;
            final int freeAfter = kernel.freeFrames();
            if (streamed.failure != null)
            {
                throw new IllegalStateException("pipeline stage failed: " + streamed.failure, streamed.failure);
            }
            return new PipelineResult(config, name, streamed.completed, streamed.sink, streamed.latency,
                streamed.counterDeltas, freeBefore, freeAfter);
        }
        finally
        {
            closeAll(hops);
            CloseHelper.close(transport);
            for (final Domain domain : path)
            {
                if (domain.isAlive())
                {
                    kernel.destroyDomain(domain);
                }
            }
        }
    }

    private static Streamed stream(final PipelineConfig config, final Kernel kernel, final Channel[] hops)
    {
        final RunControl control = new RunControl();
        final Histogram latency = new Histogram(HIGHEST_LATENCY_NS, 3);
        final List<Agent> stages = new ArrayList<>(hops.length + 1);
        stages.add(new SourceStage(hops[0].sender(), config, control));
        for (int i = 1; i < hops.length; i++)
        {
            stages.add(new ForwardStage(hops[i - 1].receiver(), hops[i].sender(), control));
        }
        final long[] before = new long[CounterType.values().length];
        final SinkStage sink = new SinkStage(hops[hops.length - 1].receiver(), config, control, latency,
            kernel.counters(), before);
        stages.add(sink);

        if (config.warmup() == 0)
        {
            kernel.counters().totals(before);
        }
        final List<AgentRunner> runners = startRunners(stages, config.threads(), control);
        boolean completed = false;
        try
        {
            completed = control.await(config.timeoutSeconds()) && !control.hasFailed();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            CloseHelper.closeAll(runners);
        }
        final long[] after = kernel.counters().totals(new long[CounterType.values().length]);
        for (int i = 0; i < after.length; i++)
        {
            after[i] -= before[i];
        }
        return new Streamed(completed && sink.received() == config.messages(), sink, latency, after,
            control.failure());
    }

    /**
     * Spreads the stages in path order over the threads, so that neighbours share a thread (and its cache) and at
     * most {@code threads} threads compete for the machine's cores.
     */
    private static List<AgentRunner> startRunners(final List<Agent> stages, final int threads,
        final RunControl control)
    {
        final int n = stages.size();
        final int t = Math.min(threads, n);
        final List<AgentRunner> runners = new ArrayList<>(t);
        for (int k = 0; k < t; k++)
        {
            final List<Agent> group = new ArrayList<>(stages.subList(k * n / t, (k + 1) * n / t));
            final Agent agent = group.size() == 1 ? group.get(0) : new CompositeAgent(group);
            final AgentRunner runner = new AgentRunner(
                new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100)),
                control::fail, null, agent);
            runners.add(runner);
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
        return runners;
    }

    private static Domain[] createDomains(final Kernel kernel, final int count)
    {
        final Domain[] path = new Domain[count];
        for (int i = 0; i < count; i++)
        {
            final String name = i == 0 ? "source" : i == count - 1 ? "sink" : "forward-" + i;
            path[i] = kernel.createDomain(name);
        }
        return path;
    }

    private static void closeAll(final Channel[] hops)
    {
        for (final Channel hop : hops)
        {
            CloseHelper.close(hop);
        }
    }

    private static final class Streamed
    {
        final boolean completed;
        final SinkStage sink;
        final Histogram latency;
        final long[] counterDeltas;
        final Throwable failure;

        Streamed(final boolean completed, final SinkStage sink, final Histogram latency, final long[] counterDeltas,
            final Throwable failure)
        {
            this.completed = completed;
            this.sink = sink;
            this.latency = latency;
            this.counterDeltas = counterDeltas;
            this.failure = failure;
        }
    }
}
