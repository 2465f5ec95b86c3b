package io.barge.grant.xen;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.grant.EventChannels;
import io.barge.grant.GrantTable;
import io.barge.grant.GrantTableDescriptor;
import io.barge.grant.Hypervisor;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What both directions of the {@code xen} transport share: its own {@link Hypervisor} and {@link EventChannels} on
 * the kernel, the channels it opened, and the granting domains' grant tables. A front end's grant table is set up
 * (or grown) when a channel from it opens, sized for every open channel's grants, and released when its last
 * channel closes, so that closing returns every frame.
 */
abstract class AbstractXenTransport implements Transport
{
    /** Largest grant table a domain may set up. */
    static final int MAX_ENTRIES = 1 << 16;
    /** Event-channel ports per domain. */
    static final int PORTS = 1024;

    final Kernel kernel;
    private final TransportOptions options;
    private final GrantMode mode;
    private final Hypervisor hypervisor;
    private final EventChannels events;
    private final Set<AbstractXenChannel> open = new LinkedHashSet<>();
    /** Per front-end domain id: {open channels, grant entries they reserved}. */
    private final Int2ObjectHashMap<int[]> tableUse = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<GrantTable> tables = new Int2ObjectHashMap<>();
    private boolean closed;

    AbstractXenTransport(final Kernel kernel, final TransportOptions options, final GrantMode mode)
    {
        this.kernel = kernel;
        this.options = options;
        this.mode = mode;
        this.hypervisor = new Hypervisor(kernel, MAX_ENTRIES);
        this.events = new EventChannels(kernel, PORTS);
    }

    @Override
    public String name()
    {
        return XenTransportProvider.NAME;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    /**
     * @return how this transport's channels grant message pages.
     */
    public GrantMode mode()
    {
        return mode;
    }

    /**
     * @return the hypervisor the channels' grants go through (its counters and handles are observable).
     */
    public Hypervisor hypervisor()
    {
        return hypervisor;
    }

    /**
     * @return the event channels the channels notify through.
     */
    public EventChannels events()
    {
        return events;
    }

    synchronized void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("transport " + options + " is closed");
        }
    }

    synchronized void track(final AbstractXenChannel channel)
    {
        open.add(channel);
    }

    /**
     * Sets up or grows the front end's grant table for one more channel.
     *
     * @param front   the granting domain.
     * @param entries grants the channel may hold at once.
     * @return the domain's grant table.
     */
    synchronized GrantTable acquireTable(final Domain front, final int entries)
    {
        int[] use = tableUse.get(front.id());
        final int reserved = (use == null ? 0 : use[1]) + entries;
        if (GrantTableDescriptor.FIRST_REF + reserved > MAX_ENTRIES)
        {
            throw new IllegalArgumentException("channel needs " + entries + " grants; with the " +
                (reserved - entries) + " of " + front + "'s other channels that exceeds " + MAX_ENTRIES);
        }
        final GrantTable table = hypervisor.setupTable(front, GrantTableDescriptor.FIRST_REF + reserved);
        tables.put(front.id(), table);
        if (use == null)
        {
            use = new int[2];
            tableUse.put(front.id(), use);
        }
        use[0]++;
        use[1] = reserved;
        return table;
    }

    /**
     * A channel that acquired a table is gone: the table is released with its domain's last channel, or, while a
     * grant's end is still deferred (a peer kept a mapping), when the transport closes.
     *
     * @param table   the front end's grant table.
     * @param entries what the channel reserved.
     */
    synchronized void releaseTable(final GrantTable table, final int entries)
    {
        final Domain front = table.granter();
        final int[] use = tableUse.get(front.id());
        if (use == null)
        {
            return;
        }
        use[1] -= entries;
        if (--use[0] == 0)
        {
            releaseIfIdle(table);
        }
    }

    private void releaseIfIdle(final GrantTable table)
    {
        final Domain front = table.granter();
        if (!front.isAlive())
        {
            tableUse.remove(front.id());
            tables.remove(front.id());
        }
        else if (table.grantsInUse() == 0)
        {
            tableUse.remove(front.id());
            tables.remove(front.id());
            hypervisor.releaseTable(front);
        }
    }

    synchronized void forget(final AbstractXenChannel channel)
    {
        open.remove(channel);
    }

    @Override
    public void close()
    {
        final List<AbstractXenChannel> channels;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            channels = new ArrayList<>(open);
        }
        for (final AbstractXenChannel channel : channels)
        {
            channel.close();
        }
        synchronized (this)
        {
            // Tables kept for a deferred end: released now if that end has completed, else left to the domain's death.
            for (final GrantTable table : new ArrayList<>(tables.values()))
            {
                final int[] use = tableUse.get(table.granter().id());
                if (use == null || use[0] == 0)
                {
                    releaseIfIdle(table);
                }
            }
        }
        events.close();
        hypervisor.close();
    }
}
