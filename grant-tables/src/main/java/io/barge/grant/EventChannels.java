package io.barge.grant;

import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Xen-style event channels on the notification core: per domain a table of ports, each with a pending bit and a
 * mask bit. A domain offers a port to a peer ({@link #allocUnbound}), the peer binds to it
 * ({@link #bindInterdomain}), and then either end {@link #notify}s the other: the peer port's pending bit is set and,
 * unless the port is masked, the event is delivered to the port's handler or {@link Waitset}. An event raised while
 * masked stays pending and is delivered on {@link #unmask}: never lost; events raised while one is pending coalesce
 * into it (as Xen's). A port counts nothing: the ring whose push decided to notify counts the notification sent
 * or suppressed ({@link io.barge.core.notify.EventIndex.Counts}), so a notification is counted once.
 * <p>
 * Binding and closing are serialised on this object; notify, mask and unmask take no lock and allocate nothing.
 * A destroyed domain's ports close; its peers' ports become unbound (a notify on one returns false).
 */
public final class EventChannels implements AutoCloseable
{
    private static final int FREE = 0;
    private static final int UNBOUND = 1;
    private static final int INTERDOMAIN = 2;

    private final Kernel kernel;
    private final int portsPerDomain;
    private final DomainListener listener = this::onDestroy;
    /** Copy-on-write: replaced under the monitor, read without it. */
    private volatile Int2ObjectHashMap<Ports> tables = new Int2ObjectHashMap<>();

    /**
     * @param kernel         the kernel whose domains bind ports.
     * @param portsPerDomain ports per domain; port 0 is reserved, as in Xen.
     */
    public EventChannels(final Kernel kernel, final int portsPerDomain)
    {
        if (portsPerDomain < 2)
        {
            throw new IllegalArgumentException("portsPerDomain=" + portsPerDomain + " must be at least 2");
        }
        this.kernel = kernel;
        this.portsPerDomain = portsPerDomain;
        kernel.addDomainListener(listener);
    }

    /**
     * Allocates a port that {@code remoteDomainId} may bind to (Xen's {@code EVTCHNOP_alloc_unbound}).
     *
     * @param domain         the offering domain.
     * @param remoteDomainId the only domain that may bind it.
     * @return the port.
     * @throws IllegalStateException if the domain has no free port.
     */
    public synchronized int allocUnbound(final Domain domain, final int remoteDomainId)
    {
        domain.checkAlive();
        final Ports ports = portsOf(domain, true);
        final int port = ports.freePort();
        ports.remoteDomain[port] = remoteDomainId;
        ports.state.set(port, UNBOUND);
        return port;
    }

    /**
     * Binds a new local port to a peer's unbound port offered to this domain (Xen's
     * {@code EVTCHNOP_bind_interdomain}); both ends are then connected.
     *
     * @param domain         the binding domain.
     * @param remoteDomainId the offering domain.
     * @param remotePort     its unbound port.
     * @return the local port.
     * @throws IllegalArgumentException if the remote port is not unbound and offered to this domain.
     */
    public synchronized int bindInterdomain(final Domain domain, final int remoteDomainId, final int remotePort)
    {
        domain.checkAlive();
        final Ports remote = tables.get(remoteDomainId);
        if (remote == null || remotePort <= 0 || remotePort >= portsPerDomain ||
            remote.state.get(remotePort) != UNBOUND || remote.remoteDomain[remotePort] != domain.id())
        {
            throw new IllegalArgumentException("port " + remotePort + " of domain " + remoteDomainId +
                " is not an unbound port offered to " + domain);
        }
        final Ports local = portsOf(domain, true);
        final int port = local.freePort();
        local.connect(port, remote, remoteDomainId, remotePort);
        remote.connect(remotePort, local, domain.id(), port);
        return port;
    }

    /**
     * Delivers this port's events to a handler, run on the notifying (or unmasking) thread, as an upcall.
     *
     * @param domain  the port's domain.
     * @param port    a port of it.
     * @param handler run once per delivered event.
     */
    public synchronized void bindHandler(final Domain domain, final int port, final Runnable handler)
    {
        final Ports ports = checkPort(domain, port);
        ports.unbindDelivery(port);
        ports.handler.set(port, handler);
        ports.deliverIfPending(port);
    }

    /**
     * Delivers this port's events through a waitset: a thread dispatching {@code waitset} runs {@code handler} once
     * per delivered event. The registration renews itself.
     *
     * @param domain  the port's domain.
     * @param port    a port of it.
     * @param waitset the waitset.
     * @param handler run by the dispatching thread.
     */
    public synchronized void bindWaitset(final Domain domain, final int port, final Waitset waitset,
        final Runnable handler)
    {
        final Ports ports = checkPort(domain, port);
        ports.unbindDelivery(port);
        final WaitsetChannel channel = new WaitsetChannel("evtchn " + domain + ":" + port);
        final WaitsetDelivery delivery = new WaitsetDelivery(ports, port, channel, waitset, handler);
        channel.register(waitset, delivery);
        // Only the channel is set: a notifier finding no channel finds no handler either, and leaves the bit pending.
        ports.channel.set(port, channel);
        ports.deliverIfPending(port);
    }

    /**
     * Signals the peer of a connected port (Xen's {@code EVTCHNOP_send}).
     *
     * @param domain the sending domain.
     * @param port   its connected port.
     * @return true if sent; false if the port is unbound (the peer closed it or died).
     * @throws IllegalArgumentException if the port is not allocated.
     */
    public boolean notify(final Domain domain, final int port)
    {
        final Ports ports = checkPort(domain, port);
        // Volatile read: the remote fields below were written before the state was set.
        if (ports.state.get(port) != INTERDOMAIN)
        {
            return false;
        }
        final Ports remote = ports.remote[port];
        final int remotePort = ports.remotePort[port];
        // Not counted here: the ring that decided to notify counts it (sent or suppressed, EventIndex.Counts).
        remote.raise(remotePort);
        return true;
    }

    /**
     * Masks a port: events stay pending, nothing is delivered until {@link #unmask}.
     *
     * @param domain the port's domain.
     * @param port   a port of it.
     */
    public void mask(final Domain domain, final int port)
    {
        checkPort(domain, port).masked.set(port, 1);
    }

    /**
     * Unmasks a port and delivers an event that is pending.
     *
     * @param domain the port's domain.
     * @param port   a port of it.
     */
    public void unmask(final Domain domain, final int port)
    {
        final Ports ports = checkPort(domain, port);
        // Clear the mask before reading pending; a notifier sets pending before reading the mask: one of us delivers.
        ports.masked.set(port, 0);
        ports.deliverIfPending(port);
    }

    /**
     * @param domain the port's domain.
     * @param port   a port of it.
     * @return whether an event is pending (raised, not yet delivered).
     */
    public boolean isPending(final Domain domain, final int port)
    {
        return checkPort(domain, port).pending.get(port) != 0;
    }

    /**
     * Closes a port; a connected peer's port becomes unbound.
     *
     * @param domain the port's domain.
     * @param port   a port of it.
     */
    public synchronized void close(final Domain domain, final int port)
    {
        checkPort(domain, port).close(port);
    }

    /**
     * Stops watching domain destruction.
     */
    @Override
    public void close()
    {
        kernel.removeDomainListener(listener);
    }

    private synchronized void onDestroy(final Domain domain)
    {
        final Ports ports = tables.get(domain.id());
        if (ports == null)
        {
            return;
        }
        for (int port = 1; port < portsPerDomain; port++)
        {
            if (ports.state.get(port) != FREE)
            {
                ports.close(port);
            }
        }
        final Int2ObjectHashMap<Ports> next = new Int2ObjectHashMap<>(tables);
        next.remove(domain.id());
        tables = next;
    }

    private Ports portsOf(final Domain domain, final boolean create)
    {
        Ports ports = tables.get(domain.id());
        if (ports == null && create)
        {
            ports = new Ports(domain, portsPerDomain);
            final Int2ObjectHashMap<Ports> next = new Int2ObjectHashMap<>(tables);
            next.put(domain.id(), ports);
            tables = next;
        }
        return ports;
    }

    private Ports checkPort(final Domain domain, final int port)
    {
        final Ports ports = tables.get(domain.id());
        if (ports == null || port <= 0 || port >= portsPerDomain || ports.state.get(port) == FREE)
        {
            throw new IllegalArgumentException("port " + port + " is not allocated to " + domain);
        }
        return ports;
    }

    /** One domain's ports. State transitions under the EventChannels monitor; pending and mask bits lock-free. */
    private static final class Ports
    {
        final Domain domain;
        final AtomicIntegerArray state;
        final AtomicIntegerArray pending;
        final AtomicIntegerArray masked;
        final int[] remoteDomain;
        final int[] remotePort;
        final Ports[] remote;
        /** Volatile slots: a binder writes them and then reads pending; a notifier sets pending and then reads them. */
        final AtomicReferenceArray<Runnable> handler;
        final AtomicReferenceArray<WaitsetChannel> channel;

        Ports(final Domain domain, final int n)
        {
            this.domain = domain;
            state = new AtomicIntegerArray(n);
            pending = new AtomicIntegerArray(n);
            masked = new AtomicIntegerArray(n);
            remoteDomain = new int[n];
            remotePort = new int[n];
            remote = new Ports[n];
            handler = new AtomicReferenceArray<>(n);
            channel = new AtomicReferenceArray<>(n);
        }

        int freePort()
        {
            for (int port = 1; port < state.length(); port++)
            {
                if (state.get(port) == FREE)
                {
                    pending.set(port, 0);
                    masked.set(port, 0);
                    return port;
                }
            }
            throw new IllegalStateException("domain " + domain + " has no free event-channel port");
        }

        void connect(final int port, final Ports peer, final int peerDomain, final int peerPort)
        {
            remote[port] = peer;
            remoteDomain[port] = peerDomain;
            remotePort[port] = peerPort;
            // Volatile write: a notifier that reads INTERDOMAIN sees the fields above.
            state.set(port, INTERDOMAIN);
        }

        void raise(final int port)
        {
            // Set pending before reading the mask; unmask clears the mask before reading pending (both volatile).
            if (pending.getAndSet(port, 1) == 0 && masked.get(port) == 0)
            {
                deliver(port);
            }
        }

        void deliverIfPending(final int port)
        {
            if (pending.get(port) != 0 && masked.get(port) == 0)
            {
                deliver(port);
            }
        }

        private void deliver(final int port)
        {
            final WaitsetChannel ch = channel.get(port);
            if (ch != null)
            {
                // The waitset delivery consumes the pending bit on the dispatching thread.
                ch.trigger();
                return;
            }
            final Runnable h = handler.get(port);
            // No handler yet: the event stays pending until one is bound.
            if (h != null && pending.getAndSet(port, 0) == 1)
            {
                h.run();
            }
        }

        void unbindDelivery(final int port)
        {
            final WaitsetChannel ch = channel.getAndSet(port, null);
            if (ch != null)
            {
                ch.deregister();
            }
            handler.set(port, null);
        }

        void close(final int port)
        {
            if (state.get(port) == INTERDOMAIN)
            {
                final Ports peer = remote[port];
                final int peerPort = remotePort[port];
                if (peer.state.get(peerPort) == INTERDOMAIN && peer.remote[peerPort] == this)
                {
                    peer.state.set(peerPort, UNBOUND);
                    peer.remoteDomain[peerPort] = domain.id();
                    peer.remote[peerPort] = null;
                }
            }
            unbindDelivery(port);
            remote[port] = null;
            state.set(port, FREE);
        }
    }

    /** A waitset registration that renews itself, then consumes the pending bit and runs the user's handler. */
    private static final class WaitsetDelivery implements Runnable
    {
        private final Ports ports;
        private final int port;
        private final WaitsetChannel channel;
        private final Waitset waitset;
        private final Runnable handler;

        WaitsetDelivery(final Ports ports, final int port, final WaitsetChannel channel, final Waitset waitset,
            final Runnable handler)
        {
            this.ports = ports;
            this.port = port;
            this.channel = channel;
            this.waitset = waitset;
            this.handler = handler;
        }

        @Override
        public void run()
        {
            if (ports.channel.get(port) != channel)
            {
                return;
            }
            // Re-register before consuming: an event raised after this point triggers the new registration.
            channel.register(waitset, this);
            if (ports.masked.get(port) == 0 && ports.pending.getAndSet(port, 0) == 1)
            {
                handler.run();
            }
        }
    }
}
