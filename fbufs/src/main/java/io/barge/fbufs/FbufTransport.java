package io.barge.fbufs;

import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The fbufs transport: one {@link FbufRegion} per transport, and per opened path one {@link IoPath} for each
 * suffix of it (a buffer allocated at hop {@code k} will cross domains {@code k..n-1}), so a stage that prepends its
 * own header allocates on the path its header will travel.
 * <p>
 * Destroying a domain closes every path through it: their channels release what they hold and the region frees
 * every fbuf of those paths, so the free-frame count returns to what it was, once every end of those paths is
 * quiescent ({@link FbufChannel}: at once if none runs on another live thread).
 */
public final class FbufTransport implements Transport
{
    private final Kernel kernel;
    private final TransportOptions options;
    private final FbufMode mode;
    private final FbufRegion region;
    private final List<PathSet> open = new ArrayList<>();
    private final DomainListener listener = this::onDomainDestroyed;
    private boolean closed;
    private boolean regionClosed;

    /**
     * @param kernel  the machine.
     * @param options parsed options.
     * @param mode    the optimisations switched on.
     */
    public FbufTransport(final Kernel kernel, final TransportOptions options, final FbufMode mode)
    {
        this.kernel = kernel;
        this.options = options;
        this.mode = mode;
        final int globalPages = kernel.kernelDomain().addressSpace().maxPages() / 2;
        this.region = new FbufRegion(kernel, Math.min(1 << 16, Math.max(1, globalPages / 4)));
        kernel.addDomainListener(listener);
    }

    /**
     * @return {@link io.barge.core.transport.Capability#ZERO_COPY_FORWARD}: a forward passes the fbufs on along
     *         the path, never their bytes; {@link io.barge.core.transport.Capability#POSTED_BUFFERS}: each claim is
     *         an fbuf of its own, mapped writable in the sender until the commit.
     */
    @Override
    public Set<io.barge.core.transport.Capability> capabilities()
    {
        return Set.of(io.barge.core.transport.Capability.ZERO_COPY_FORWARD,
            io.barge.core.transport.Capability.POSTED_BUFFERS);
    }

    @Override
    public String name()
    {
        return FbufTransportProvider.NAME;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    /**
     * @return the optimisations switched on.
     */
    public FbufMode mode()
    {
        return mode;
    }

    /**
     * @return the fbuf region.
     */
    public FbufRegion region()
    {
        return region;
    }

    @Override
    public FbufChannel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        return (FbufChannel)openPath(config, sender, receiver).hop(0);
    }

    /**
     * Sets up an I/O path once along all its domains: one allocator per suffix, one channel per hop.
     *
     * @param config sizes and notification choice for every hop.
     * @param path   2..{@link FbufRegion#MAX_PATH_LENGTH} distinct domains, originator first.
     * @return the path; its hops are {@link FbufChannel}s.
     */
    @Override
    public ChannelPath openPath(final ChannelConfig config, final Domain... path)
    {
        checkPath(path);
        final PathSet set;
        synchronized (this)
        {
            if (closed)
            {
                throw new IllegalStateException("transport is closed");
            }
            set = new PathSet(path.length - 1);
            open.add(set);
        }
        try
        {
            final int messagePages = region.pagesFor(AggregateDescriptor.withNodes(config.maxMessageLength(), 1));
            final int budget = (2 * config.capacity() + 2) * messagePages + 2 * config.capacity();
            for (int k = 0; k < set.hops.length; k++)
            {
                final Domain[] suffix = new Domain[path.length - k];
                System.arraycopy(path, k, suffix, 0, suffix.length);
                set.paths[k] = region.createPath(suffix, mode, budget);
            }
            for (int k = 0; k < set.hops.length; k++)
            {
                set.hops[k] = new FbufChannel(this, set, set.paths[k], path[k], path[k + 1], config);
            }
        }
        catch (final RuntimeException ex)
        {
            set.close();
            throw ex;
        }
        return new ChannelPath(set.hops);
    }

    private static void checkPath(final Domain[] path)
    {
        ChannelPath.checkDomains(path);
        if (path.length > FbufRegion.MAX_PATH_LENGTH)
        {
            throw new IllegalArgumentException("a path needs 2.." + FbufRegion.MAX_PATH_LENGTH + " domains, got " +
                path.length);
        }
    }

    Kernel kernel()
    {
        return kernel;
    }

    private void onDomainDestroyed(final Domain domain)
    {
        final List<PathSet> victims = new ArrayList<>();
        synchronized (this)
        {
            for (final PathSet set : open)
            {
                if (set.contains(domain))
                {
                    victims.add(set);
                }
            }
        }
        for (final PathSet set : victims)
        {
            set.close();
        }
    }

    @Override
    public void close()
    {
        final List<PathSet> sets;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            sets = new ArrayList<>(open);
        }
        for (final PathSet set : sets)
        {
            set.close();
        }
        kernel.removeDomainListener(listener);
        closeRegionIfDone();
    }

    /**
     * Frees the region once the transport is closed and every path set has given its fbufs back: a set whose hops
     * wait for an end on another thread to become quiescent keeps the region until then.
     */
    private void closeRegionIfDone()
    {
        synchronized (this)
        {
            if (!closed || !open.isEmpty() || regionClosed)
            {
                return;
            }
            regionClosed = true;
        }
        region.close();
    }

    /**
     * The hops and suffix paths of one opened path; its paths close when its last hop closes, and give their fbufs
     * back to the kernel once every hop's deferred release has run ({@link FbufChannel}).
     */
    final class PathSet
    {
        final FbufChannel[] hops;
        final IoPath[] paths;
        /** Guarded by this. */
        private boolean closed;
        /** Guarded by this: hops whose release has run. */
        private int hopsReleased;
        /** Guarded by this: whether the paths' fbufs went back. */
        private boolean pathsClosed;

        PathSet(final int hopCount)
        {
            this.hops = new FbufChannel[hopCount];
            this.paths = new IoPath[hopCount];
        }

        boolean touchesDeadDomain()
        {
            final IoPath whole = paths[0];
            for (int i = 0; whole != null && i < whole.length(); i++)
            {
                if (!whole.domain(i).isAlive())
                {
                    return true;
                }
            }
            return false;
        }

        boolean contains(final Domain domain)
        {
            for (final IoPath path : paths)
            {
                if (path != null && path.positionOf(domain) >= 0)
                {
                    return true;
                }
            }
            return false;
        }

        void hopClosed()
        {
            for (final FbufChannel hop : hops)
            {
                if (hop != null && hop.isOpen())
                {
                    return;
                }
            }
            close();
        }

        /** A hop's release ran (on whichever thread made its last end quiescent). */
        void hopReleased()
        {
            synchronized (this)
            {
                hopsReleased++;
            }
            closePathsIfReleased();
        }

        void close()
        {
            synchronized (this)
            {
                if (closed)
                {
                    return;
                }
                closed = true;
            }
            for (final FbufChannel hop : hops)
            {
                if (hop != null)
                {
                    hop.closeHop();
                }
            }
            closePathsIfReleased();
        }

        private void closePathsIfReleased()
        {
            synchronized (this)
            {
                if (!closed || pathsClosed || hopsReleased != builtHops())
                {
                    return;
                }
                pathsClosed = true;
            }
            for (final IoPath path : paths)
            {
                if (path != null)
                {
                    region.closePath(path);
                }
            }
            synchronized (FbufTransport.this)
            {
                open.remove(this);
            }
            closeRegionIfDone();
        }

        /** Hops made (all of them, unless the path's setup failed part way). */
        private int builtHops()
        {
            int built = 0;
            for (final FbufChannel hop : hops)
            {
                if (hop != null)
                {
                    built++;
                }
            }
            return built;
        }
    }
}
