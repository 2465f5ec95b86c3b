package io.barge.drivers.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Transport;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a {@link Pipeline}: owns the domains, transports, channels and agents from creation to teardown.
 */
final class PipelineRun
{
    private static final long HIGHEST_LATENCY_NS = TimeUnit.MINUTES.toNanos(10);

    private final Pipeline pipeline;
    private final Kernel kernel;
    private final RunControl control = new RunControl();
    private final Histogram latency = new Histogram(HIGHEST_LATENCY_NS, 3);
    private final List<Transport> transports = new ArrayList<>();
    private final Domain[] domains;
    private final Channel[] channels;
    // Sized once the transports exist: a transport module may register its counter types when it loads.
    private long[] totalsBefore;
    private long[][] domainsBefore;
    // Counts outside the pipeline's domains (kernel, retired), taken while nothing runs.
    private long[] restAtStart;
    private volatile SourceAgent source;

    PipelineRun(final Pipeline pipeline)
    {
        this.pipeline = pipeline;
        this.kernel = pipeline.kernel;
        this.domains = new Domain[pipeline.hops.length + 1];
        this.channels = new Channel[pipeline.hops.length];
    }

    long sourceBackPressures()
    {
        final SourceAgent agent = source;
        return agent == null ? 0 : agent.backPressures();
    }

    PipelineResult execute()
    {
        final int freeBefore = kernel.freeFrames();
        try
        {
            createDomains();
            openHops();
            final StreamOutcome outcome = stream();
            tearDown();
            final int freeAfter = kernel.freeFrames();
            if (control.failure() != null)
            {
                throw new PipelineFailedException("pipeline stage " + control.failedStage() + " failed: " +
                    control.failure(), control.failure());
            }
            return new PipelineResult(pipeline, names(), outcome.completed, outcome.sink, latency,
                outcome.totals, outcome.perDomain, outcome.copiedForwards, sourceBackPressures(), freeBefore,
                freeAfter);
        }
        finally
        {
            tearDown();
        }
    }

    private void createDomains()
    {
        domains[0] = kernel.createDomain("source");
        for (int i = 0; i < pipeline.stageNames.size(); i++)
        {
            domains[i + 1] = kernel.createDomain(pipeline.stageNames.get(i));
        }
        domains[domains.length - 1] = kernel.createDomain(pipeline.sinkName);
    }

    /**
     * One transport per maximal run of equal specs, opened as one path over the run's domains.
     */
    private void openHops()
    {
        final TransportSpec[] hops = pipeline.hops;
        int start = 0;
        while (start < hops.length)
        {
            int end = start + 1;
            while (end < hops.length && hops[end].equals(hops[start]))
            {
                end++;
            }
            final Transport transport = hops[start].provider().create(kernel, hops[start].parsed());
            transports.add(transport);
            final ChannelPath path = transport.openPath(pipeline.channelConfig,
                Arrays.copyOfRange(domains, start, end + 1));
            for (int k = 0; k < path.hops(); k++)
            {
                channels[start + k] = path.hop(k);
            }
            start = end;
        }
    }

    private boolean sameTransport(final int hopA, final int hopB)
    {
        // Equal specs on consecutive hops were opened on one transport instance (openHops).
        return pipeline.hops[hopA].equals(pipeline.hops[hopB]);
    }

    private StreamOutcome stream()
    {
        totalsBefore = new long[CounterType.values().length];
        domainsBefore = new long[domains.length][totalsBefore.length];
        restAtStart = kernel.counters().totals(new long[totalsBefore.length]);
        for (final Domain domain : domains)
        {
            final long[] counts = snapshot(domain, new long[totalsBefore.length]);
            for (int t = 0; t < counts.length; t++)
            {
                restAtStart[t] -= counts[t];
            }
        }
        final List<Agent> agents = new ArrayList<>(domains.length);
        final SourceAgent sourceAgent = new SourceAgent(channels[0].sender(), pipeline.writer, pipeline.messages,
            pipeline.length, control);
        agents.add(sourceAgent);
        final List<StageAgent> stages = new ArrayList<>();
        for (int i = 1; i < channels.length; i++)
        {
            final Outlet outlet = new Outlet(channels[i].sender(), sameTransport(i - 1, i));
            final StageAgent stage = new StageAgent(pipeline.stageNames.get(i - 1), channels[i - 1].receiver(),
                outlet, pipeline.handlers.get(i - 1), control);
            stages.add(stage);
            agents.add(stage);
        }
        final SinkAgent sink = new SinkAgent(pipeline.sinkName, channels[channels.length - 1].receiver(),
            pipeline.consumer, pipeline.warmup, latency, this::snapshotCounters, control);
        agents.add(sink);
        if (pipeline.warmup == 0)
        {
            snapshotCounters();
        }
        source = sourceAgent;
        final List<AgentRunner> runners = startRunners(agents);
        boolean inTime = false;
        try
        {
            inTime = control.await(pipeline.timeoutNanos);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            CloseHelper.closeAll(runners); // joins the threads: their plain fields are visible from here
        }
        final long[] totals = kernel.counters().totals(new long[totalsBefore.length]);
        final long[][] perDomain = new long[domains.length][];
        for (int d = 0; d < domains.length; d++)
        {
            perDomain[d] = snapshot(domains[d], new long[totalsBefore.length]);
            for (int t = 0; t < totals.length; t++)
            {
                perDomain[d][t] -= domainsBefore[d][t];
            }
        }
        for (int t = 0; t < totals.length; t++)
        {
            totals[t] -= totalsBefore[t];
        }
        long copied = 0;
        for (final StageAgent stage : stages)
        {
            copied += stage.copiedForwards();
        }
        // Complete: the end of the stream reached the sink in time (stages that consume may have sent fewer).
        final boolean completed = inTime && !control.hasFailed() && sink.ended();
        return new StreamOutcome(completed, sink, totals, perDomain, copied);
    }

    /**
     * Once per run, at the end of the warm-up (on the sink's thread) or before the start without one.
     */
    private void snapshotCounters()
    {
        // Stages may be running (a warm-up's end): one read per domain counter, and the totals derived from those
        // reads, so that the totals' delta is the sum of the domains' deltas, not a second read taken later.
        System.arraycopy(restAtStart, 0, totalsBefore, 0, totalsBefore.length);
        for (int d = 0; d < domains.length; d++)
        {
            snapshot(domains[d], domainsBefore[d]);
            for (int t = 0; t < totalsBefore.length; t++)
            {
                totalsBefore[t] += domainsBefore[d][t];
            }
        }
    }

    private static long[] snapshot(final Domain domain, final long[] into)
    {
        final CounterType[] types = CounterType.values();
        for (int t = 0; t < into.length; t++)
        {
            into[t] = domain.counter(types[t]);
        }
        return into;
    }

    /**
     * Spreads the agents in path order over the threads, so that neighbours share a thread (and its cache) and at
     * most {@code threads} threads compete for the machine's cores.
     */
    private List<AgentRunner> startRunners(final List<Agent> agents)
    {
        final int n = agents.size();
        final int t = Math.min(pipeline.threads, n);
        final int[] placement = pipeline.placement;
        final List<AgentRunner> runners = new ArrayList<>(t);
        for (int k = 0; k < t; k++)
        {
            final List<Agent> group = new ArrayList<>();
            for (int a = 0; a < n; a++)
            {
                if (placement != null ? placement[a] == k : a >= k * n / t && a < (k + 1) * n / t)
                {
                    group.add(agents.get(a));
                }
            }
            final Agent agent = group.size() == 1 ? group.get(0) : new SweepAgent(group);
            runners.add(new AgentRunner(
                new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100)),
                (error) -> control.fail(agent.roleName(), error), null, agent));
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
        return runners;
    }

    private String[] names()
    {
        final String[] names = new String[domains.length];
        for (int d = 0; d < domains.length; d++)
        {
            names[d] = domains[d].name();
        }
        return names;
    }

    /**
     * Idempotent: channels, then transports, then domains.
     */
    private void tearDown()
    {
        for (int i = 0; i < channels.length; i++)
        {
            CloseHelper.close(channels[i]);
            channels[i] = null;
        }
        CloseHelper.closeAll(transports);
        transports.clear();
        for (int d = 0; d < domains.length; d++)
        {
            if (domains[d] != null && domains[d].isAlive())
            {
                kernel.destroyDomain(domains[d]);
            }
        }
    }

    private static final class StreamOutcome
    {
        final boolean completed;
        final SinkAgent sink;
        final long[] totals;
        final long[][] perDomain;
        final long copiedForwards;

        StreamOutcome(final boolean completed, final SinkAgent sink, final long[] totals, final long[][] perDomain,
            final long copiedForwards)
        {
            this.completed = completed;
            this.sink = sink;
            this.totals = totals;
            this.perDomain = perDomain;
            this.copiedForwards = copiedForwards;
        }
    }
}
