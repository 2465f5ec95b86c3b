package io.barge.grant.xen;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.grant.GrantTable;
import io.barge.grant.SharedRingDescriptor;

/**
 * One Xen device channel whose sender grants: a front end (the sender, a guest) and a back end (the receiver, a
 * driver domain) sharing a descriptor ring ({@link SharedRingDescriptor}, requests and responses of
 * {@link XenRequestDescriptor}) on pages the front end grants, an event channel each way, and grants of the message
 * pages in the channel's {@link GrantMode}.
 * <p>
 * The front end owns {@code capacity} buffers of {@code maxMessageLength} bytes rounded up to pages, page aligned
 * in its space; a message is claimed directly in one. Messages longer than {@link XenRequestDescriptor#DIRECT_SEGMENTS}
 * pages name indirect pages (granted once, read-only) holding their segments.
 * <p>
 * Teardown, by {@link #close} from any thread or by either domain's death: the state becomes CLOSED (every later
 * call fails with {@link ChannelClosedException}); once both ends are quiescent ({@link XenEnd}: at once unless an
 * end runs on another live thread, else at its next call or when its thread ends) the back end unmaps (held messages' maps, persistent maps, the ring) and frees its
 * private pages, then the front end ends every grant and frees its pages; the front end's grant table is released
 * with its last channel. {@link XenPostedChannel} is the
 * other direction.
 */
public final class XenChannel extends AbstractXenChannel
{
    private XenFrontend frontend;
    private XenBackend backend;

    private XenChannel(final XenTransport transport, final Kernel kernel, final Domain front, final Domain back,
        final ChannelConfig config)
    {
        // One slot more than capacity: an end request always finds a slot, even behind capacity messages in flight.
        super(transport, kernel, front, back, config, config.capacity() + 1);
    }

    /**
     * Opens a channel; on failure everything acquired so far is returned.
     *
     * @param transport the transport (hypervisor, event channels, grant tables).
     * @param kernel    the machine.
     * @param front     the sender.
     * @param back      the receiver.
     * @param config    sizes.
     * @return the open channel.
     */
    static XenChannel open(final XenTransport transport, final Kernel kernel, final Domain front, final Domain back,
        final ChannelConfig config)
    {
        checkEnds(front, back);
        final XenChannel channel = new XenChannel(transport, kernel, front, back, config);
        channel.setUp(front, back);
        return channel;
    }

    @Override
    void makeEnds(final GrantTable table)
    {
        frontend = new XenFrontend(this, table);
        backend = new XenBackend(this, frontend.ringRefs(), frontend.persistentRefs());
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
    public XenFrontend sender()
    {
        return frontend;
    }

    @Override
    public XenBackend receiver()
    {
        return backend;
    }

    /**
     * @return the ring's first frame (owned by the front end; tests play a hostile peer on it).
     */
    int ringFrame()
    {
        return frontend.ringFrame();
    }
}
