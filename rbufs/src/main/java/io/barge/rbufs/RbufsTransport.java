package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.Capability;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A configured Rbufs transport: opens {@link RbufsChannel}s in one mode and closes those still open when closed.
 */
public final class RbufsTransport implements Transport
{
    private final Kernel kernel;
    private final TransportOptions options;
    private final RbufsChannel.Mode mode;
    private final NotifyFactory notify;
    private final Set<RbufsChannel> open = new LinkedHashSet<>();
    private boolean closed;

    /**
     * @param kernel  the machine.
     * @param options parsed options.
     * @param mode    who is master.
     * @param notify  opens the event channels.
     */
    public RbufsTransport(final Kernel kernel, final TransportOptions options, final RbufsChannel.Mode mode,
        final NotifyFactory notify)
    {
        this.kernel = kernel;
        this.options = options;
        this.mode = mode;
        this.notify = notify;
    }

    /**
     * @return {@link Capability#POSTED_BUFFERS}: each claim is a slot of the data area (the sender's own in TMM, a
     *         region the receiver posted in RMM), mapped writable in the sender; in transmit-master mode also
     *         {@link Capability#ZERO_COPY_FORWARD}: on channels opened as one path ({@link #openPath}) a forward of a
     *         message the hop before delivered hands its region of the path's data area on without copying. A forward
     *         of any other message (from another channel or transport, a message of several pieces, one a stage
     *         wrote into its own hop's area) copies, counted as bytes copied. Receive-master channels always copy.
     */
    @Override
    public Set<Capability> capabilities()
    {
        return mode == RbufsChannel.Mode.TMM ? Set.of(Capability.POSTED_BUFFERS, Capability.ZERO_COPY_FORWARD) :
            Set.of(Capability.POSTED_BUFFERS);
    }

    @Override
    public String name()
    {
        return RbufsTransportProvider.NAME;
    }

    @Override
    public TransportOptions options()
    {
        return options;
    }

    /**
     * @return who is master on this transport's channels.
     */
    public RbufsChannel.Mode mode()
    {
        return mode;
    }

    @Override
    public Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
    {
        synchronized (this)
        {
            if (closed)
            {
                throw new IllegalStateException("transport " + options + " is closed");
            }
        }
        final RbufsChannel[] self = new RbufsChannel[1];
        final RbufsChannel channel = RbufsChannel.open(kernel, sender, receiver, config, mode, notify,
            () -> forget(self[0]));
        self[0] = channel;
        synchronized (this)
        {
            open.add(channel);
        }
        return channel;
    }

    /**
     * In transmit-master mode, sets an Rbufs path up along the domains ({@link RbufsPath}): one data area, the
     * source's, mapped read-only into every downstream domain, shared by the hops, so a middle domain forwards
     * without copying and the regions come back to the source hop by hop. In receive-master mode (each receiver is
     * master of its own hop's area) it opens independent channels, whose forwards copy.
     */
    @Override
    public ChannelPath openPath(final ChannelConfig config, final Domain... path)
    {
        ChannelPath.checkDomains(path);
        if (mode != RbufsChannel.Mode.TMM || path.length < 3)
        {
            return Transport.super.openPath(config, path);
        }
        synchronized (this)
        {
            if (closed)
            {
                throw new IllegalStateException("transport " + options + " is closed");
            }
        }
        final ChannelPath opened = RbufsPath.open(kernel, path, config, notify, this::forget);
        synchronized (this)
        {
            for (int k = 0; k < opened.hops(); k++)
            {
                open.add((RbufsChannel)opened.hop(k));
            }
        }
        return opened;
    }

    private synchronized void forget(final RbufsChannel channel)
    {
        open.remove(channel);
    }

    @Override
    public void close()
    {
        final List<RbufsChannel> channels;
        synchronized (this)
        {
            closed = true;
            channels = new ArrayList<>(open);
        }
        for (final RbufsChannel channel : channels)
        {
            channel.close();
        }
    }
}
