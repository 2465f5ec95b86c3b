package io.barge.drivers.pipeline;

import org.agrona.concurrent.Agent;

import java.util.List;

/**
 * Neighbouring domains of a path composed on one thread, run downstream and back each duty cycle: agents
 * {@code 0, 1, ..., n-1}, then {@code n-2, ..., 1}; the next cycle starts again at {@code 0}.
 * <p>
 * Why not path order alone (Agrona's {@code CompositeAgent}): data flows downstream and buffers flow back upstream.
 * A message crosses every hop of the thread in the downstream sweep, but a transport that returns buffers hop by hop
 * (an Rbufs path: each domain checks what comes back to it and passes it up when it runs) moved a return one hop per
 * cycle, since every domain above had already run. With a path that owns {@code capacity} buffers in all, an 8-hop
 * thread then carried about {@code capacity / 9} messages per cycle, each cycle paying every stage's empty polls.
 * The upstream sweep brings the returns to the top of the thread within the same cycle. A transport whose buffers go
 * straight back to their owner (fbufs) pays one extra, empty, poll per middle stage and cycle.
 */
final class SweepAgent implements Agent
{
    private final Agent[] agents;
    private final String roleName;

    /**
     * @param agents the thread's agents in path order, at least one.
     */
    SweepAgent(final List<? extends Agent> agents)
    {
        if (agents.isEmpty())
        {
            throw new IllegalArgumentException("a sweep needs at least one agent");
        }
        this.agents = agents.toArray(new Agent[0]);
        final StringBuilder name = new StringBuilder("[");
        for (int i = 0; i < this.agents.length; i++)
        {
            name.append(i == 0 ? "" : ",").append(this.agents[i].roleName());
        }
        this.roleName = name.append(']').toString();
    }

    @Override
    public void onStart()
    {
        RuntimeException failure = null;
        for (final Agent agent : agents)
        {
            try
            {
                agent.onStart();
            }
            catch (final RuntimeException ex)
            {
                failure = collect(failure, ex);
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public int doWork() throws Exception
    {
        final Agent[] agents = this.agents;
        int work = 0;
        for (int i = 0; i < agents.length; i++)
        {
            work += agents[i].doWork();
        }
        for (int i = agents.length - 2; i > 0; i--)
        {
            work += agents[i].doWork();
        }
        return work;
    }

    /**
     * Closes every agent, each even if another threw; the first failure is thrown with the others suppressed.
     */
    @Override
    public void onClose()
    {
        RuntimeException failure = null;
        for (final Agent agent : agents)
        {
            try
            {
                agent.onClose();
            }
            catch (final RuntimeException ex)
            {
                failure = collect(failure, ex);
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    private static RuntimeException collect(final RuntimeException first, final RuntimeException next)
    {
        if (first == null)
        {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
