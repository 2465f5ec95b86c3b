package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.grant.GrantTable;

/**
 * One Xen device channel whose receiver grants, as a guest's network RX ring ({@code netfront} posting empty pages,
 * {@code netback} filling them): the front end is the receiver ({@link XenPostingFrontend}), which owns the ring and
 * {@code capacity} buffers of its own, grants them and posts them as requests; the back end is the sender
 * ({@link XenFillingBackend}), which claims the next posted buffer, fills it and answers with its length. Requests,
 * filled responses and the stream-end word follow {@link XenRequestDescriptor}; {@link GrantMode} picks how the
 * back end reaches the posted pages (a writable map per buffer, a grant copy from a private staging buffer, or a pool
 * mapped writable once).
 * <p>
 * The ring has a slot per buffer: at most {@code capacity} requests are outstanding, and the end takes no slot.
 * Teardown, by {@link #close} from any thread or by either domain's death: both ends' monitors are taken and the
 * state becomes CLOSED (every later call fails with {@link ChannelClosedException}); the back end unmaps (the
 * buffers it holds, the persistent pool, the ring) and frees its staging pages, then the front end ends every
 * grant, posted buffers' included, and frees its pages; its grant table is released with its last channel.
 */
public final class XenPostedChannel extends AbstractXenChannel
{
    private XenPostingFrontend frontend;
    private XenFillingBackend backend;

    private XenPostedChannel(final XenPostedTransport transport, final Kernel kernel, final Domain front,
        final Domain back, final ChannelConfig config)
    {
        super(transport, kernel, front, back, config, config.capacity());
    }

    /**
     * Opens a channel; on failure everything acquired so far is returned.
     *
     * @param transport the transport (hypervisor, event channels, grant tables).
     * @param kernel    the machine.
     * @param sender    the back end, which fills.
     * @param receiver  the front end, which posts.
     * @param config    sizes.
     * @return the open channel.
     */
    static XenPostedChannel open(final XenPostedTransport transport, final Kernel kernel, final Domain sender,
        final Domain receiver, final ChannelConfig config)
    {
        checkEnds(receiver, sender);
        final XenPostedChannel channel = new XenPostedChannel(transport, kernel, receiver, sender, config);
        channel.setUp(sender, receiver);
        return channel;
    }

    @Override
    void makeEnds(final GrantTable table)
    {
        frontend = new XenPostingFrontend(this, table);
        backend = new XenFillingBackend(this, frontend.ringRefs(), frontend.persistentRefs());
    }

    @Override
    void connect(final int frontPort, final int backPort)
    {
        frontend.connect(frontPort);
        backend.connect(backPort);
    }

    @Override
    void onBackEvent()
    {
        backend.onEvent();
    }

    @Override
    void onFrontEvent()
    {
        frontend.onEvent();
    }

    @Override
    XenEnd frontEnd()
    {
        return frontend;
    }

    @Override
    XenEnd backEnd()
    {
        return backend;
    }

    @Override
    public XenFillingBackend sender()
    {
        return backend;
    }

    @Override
    public XenPostingFrontend receiver()
    {
        return frontend;
    }

    /**
     * @return the ring's first frame (owned by the front end, the receiver; tests play a hostile peer on it).
     */
    int ringFrame()
    {
        return frontend.ringFrame();
    }
}
