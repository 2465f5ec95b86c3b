package io.barge.grant.xen;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Capability;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.TransportOptions;

import java.util.Set;

/**
 * A configured {@code xen} transport whose receivers grant (option {@code granter=receiver}): Xen's network RX path,
 * where the guest posts empty pages it granted and the driver domain fills them. Its {@link XenPostedChannel}s make
 * the receiver the front end (it sets up the ring, grants and posts its buffers) and the sender the back end (it
 * claims posted buffers, fills and answers them). Its own {@link io.barge.grant.Hypervisor} and
 * {@link io.barge.grant.EventChannels}; grant tables as {@link XenTransport}'s, on the receiving domains.
 */
public final class XenPostedTransport extends AbstractXenTransport
{
    /**
     * @param kernel  the machine.
     * @param options parsed options.
     * @param mode    how the back end reaches posted pages.
     */
    public XenPostedTransport(final Kernel kernel, final TransportOptions options, final GrantMode mode)
    {
        super(kernel, options, mode);
    }

    /**
     * @return {@link Capability#POSTED_BUFFERS}: a claim is a buffer the receiver posted, several at once, each in a
     *         frame the sender maps writable (in copy mode its staging page). No responses: the receiver is the front
     *         end and answers nothing; the sender's answer is the filled buffer itself.
     */
    @Override
    public Set<Capability> capabilities()
    {
        return Set.of(Capability.POSTED_BUFFERS);
    }

    @Override
    public XenPostedChannel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        checkOpen();
        final XenPostedChannel channel = XenPostedChannel.open(this, kernel, sender, receiver, config);
        track(channel);
        return channel;
    }
}
