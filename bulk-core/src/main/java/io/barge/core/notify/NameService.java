package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Export and bind by name (seed 003, 3.1 and chapter 7, with the monitor's part folded in): a server exports a
 * {@link Service} under a name; a client binds to the name and gets a connected {@link Binding} pair, one end per
 * domain, over two one-way channels of the chosen kind. Thread safe.
 */
public final class NameService
{
    /**
     * An exported service: its domain, the waitset its bindings use, and the connect callback that accepts or
     * rejects each bind (and, accepting, installs the server end's receive and error handlers).
     *
     * @param domain    the server domain.
     * @param waitset   the waitset for the server ends of its bindings.
     * @param onConnect told of each new server-end binding; returns whether to accept it.
     */
    public record Service(Domain domain, Waitset waitset, Predicate<Binding> onConnect)
    {
        /**
         * @param domain    the server domain.
         * @param waitset   the waitset for the server ends of its bindings.
         * @param onConnect accept/reject callback.
         */
        public Service
        {
            if (domain == null || waitset == null || onConnect == null)
            {
                throw new IllegalArgumentException("domain, waitset and onConnect must not be null");
            }
        }
    }

    /**
     * The two ends of a new binding.
     *
     * @param client the client's end.
     * @param server the server's end.
     */
    public record BindingPair(Binding client, Binding server)
    {
    }

    private final Kernel kernel;
    private final Map<String, Service> services = new TreeMap<>();

    /**
     * @param kernel the kernel whose domains bind through this name service.
     */
    public NameService(final Kernel kernel)
    {
        this.kernel = kernel;
    }

    /**
     * @param name    the service name.
     * @param service what answers binds to it.
     * @throws IllegalStateException if the name is taken.
     */
    public synchronized void export(final String name, final Service service)
    {
        if (name == null || service == null)
        {
            throw new IllegalArgumentException("name and service must not be null");
        }
        if (service.domain().kernel() != kernel)
        {
            throw new IllegalArgumentException("service domain " + service.domain() + " belongs to another kernel");
        }
        if (services.putIfAbsent(name, service) != null)
        {
            throw new IllegalStateException("service name '" + name + "' is already exported");
        }
    }

    /**
     * @param name an exported name; existing bindings stay.
     * @return whether it was exported.
     */
    public synchronized boolean unexport(final String name)
    {
        return services.remove(name) != null;
    }

    /**
     * Binds like {@link #bind(String, Domain, Waitset, ChannelConfig.Notification, int, Consumer)} with no bind
     * callback: install the client's receive handlers before dispatching its waitset.
     *
     * @param name          the service name.
     * @param client        the client domain.
     * @param clientWaitset waitset for the client end.
     * @param kind          UMP or LMP, both directions.
     * @param slots         slots per channel.
     * @return the connected pair.
     */
    public BindingPair bind(final String name, final Domain client, final Waitset clientWaitset,
        final ChannelConfig.Notification kind, final int slots)
    {
        return bind(name, client, clientWaitset, kind, slots, null);
    }

    /**
     * Binds a client to an exported service: opens a channel each way, offers the server end to the service's
     * connect callback, runs the bind callback on the client end, then starts both ends receiving.
     *
     * @param name          the service name.
     * @param client        the client domain.
     * @param clientWaitset waitset for the client end.
     * @param kind          UMP or LMP, both directions.
     * @param slots         slots per channel.
     * @param onBind        installs the client's handlers before any message can arrive, or null.
     * @return the connected pair.
     * @throws UnknownServiceException      if nothing is exported under the name (nothing is allocated).
     * @throws ConnectionRejectedException  if the connect callback rejects (everything allocated is freed).
     */
    public BindingPair bind(final String name, final Domain client, final Waitset clientWaitset,
        final ChannelConfig.Notification kind, final int slots, final Consumer<Binding> onBind)
    {
        final Service service = lookup(name);
        if (clientWaitset == null)
        {
            throw new IllegalArgumentException("clientWaitset must not be null");
        }
        final NotifyChannel toServer = Notifications.open(kernel, client, service.domain(), kind, slots);
        final NotifyChannel toClient;
        try
        {
            toClient = Notifications.open(kernel, service.domain(), client, kind, slots);
        }
        catch (final RuntimeException ex)
        {
            toServer.close();
            throw ex;
        }
        final Binding clientEnd = new Binding(name + "@" + client.name(), client, toServer, toClient, clientWaitset);
        final Binding serverEnd = new Binding(name + "@" + service.domain().name(), service.domain(), toClient,
            toServer, service.waitset());
        boolean connected = false;
        try
        {
            if (!service.onConnect().test(serverEnd))
            {
                throw new ConnectionRejectedException("service '" + name + "' in " + service.domain() +
                    " rejected a bind from " + client);
            }
            if (onBind != null)
            {
                onBind.accept(clientEnd);
            }
            connected = true;
        }
        finally
        {
            if (!connected)
            {
                toServer.close();
                toClient.close();
            }
        }
        serverEnd.start();
        clientEnd.start();
        return new BindingPair(clientEnd, serverEnd);
    }

    private synchronized Service lookup(final String name)
    {
        final Service service = services.get(name);
        if (service == null)
        {
            throw new UnknownServiceException("no service exported as '" + name + "'; exported: " +
                services.keySet());
        }
        return service;
    }
}
