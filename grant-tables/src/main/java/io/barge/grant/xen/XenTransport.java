package io.barge.grant.xen;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Capability;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.TransportOptions;

import java.util.Set;

/**
 * A configured {@code xen} transport whose senders grant (option {@code granter=sender}, the default; a guest's
 * {@code blkfront}, or {@code netfront}'s TX): its own {@link io.barge.grant.Hypervisor} and
 * {@link io.barge.grant.EventChannels} on the kernel, and the {@link XenChannel}s it opened, each with the sender as
 * front end. A front-end domain's grant table is set up (or grown) when a channel from it opens, sized for every open
 * channel's grants, and released when its last channel closes, so that closing returns every frame. A channel
 * signals through its event channels whatever {@link ChannelConfig#notification()} says: that is how Xen device
 * channels are woken. {@link XenPostedTransport} is the other direction.
 */
public final class XenTransport extends AbstractXenTransport
{
    /** Largest grant table a domain may set up. */
    public static final int MAX_TABLE_ENTRIES = MAX_ENTRIES;
    /** Event-channel ports per domain. */
    public static final int PORTS_PER_DOMAIN = PORTS;

    /**
     * @param kernel  the machine.
     * @param options parsed options.
     * @param mode    how message pages are granted.
     */
    public XenTransport(final Kernel kernel, final TransportOptions options, final GrantMode mode)
    {
        super(kernel, options, mode);
    }

    /**
     * @return {@link Capability#RESPONSES}: the back end answers every request on the ring with (id, status);
     *         {@link Capability#POSTED_BUFFERS}: the front end's pool lends several buffers at once.
     */
    @Override
    public Set<Capability> capabilities()
    {
        return Set.of(Capability.RESPONSES, Capability.POSTED_BUFFERS);
    }

    @Override
    public XenChannel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        checkOpen();
        final XenChannel channel = XenChannel.open(this, kernel, sender, receiver, config);
        track(channel);
        return channel;
    }
}
