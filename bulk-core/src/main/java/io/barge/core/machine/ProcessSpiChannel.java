package io.barge.core.machine;

import io.barge.core.transport.Channel;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;

/**
 * A channel between processes as the transport SPI sees it ({@link ProcessTransport#openChannel}): the ends this
 * process owns. {@link #close()}, from any thread, bars each end once it is outside a call (its gate), wakes its
 * registrations, tells the kernel the end is closed (the peer process then drains and hears
 * {@link PeerGoneException}) and unmaps the end's range from its local domain; the kernel returns the channel's
 * frames once both ends are closed or dead.
 */
final class ProcessSpiChannel implements Channel
{
    private final ProcessTransport transport;
    private final int channelId;
    ProcessChannelEnd sender;
    ProcessChannelEnd receiver;
    private volatile boolean closed;

    ProcessSpiChannel(final ProcessTransport transport, final int channelId)
    {
        this.transport = transport;
        this.channelId = channelId;
    }

    /**
     * @return the sending end.
     * @throws IllegalStateException if the sending domain is another process's.
     */
    @Override
    public Sender sender()
    {
        if (sender == null)
        {
            throw new IllegalStateException(transport.name() + " channel " + channelId + ": the sending end is " +
                "another process's");
        }
        return (Sender)sender;
    }

    /**
     * @return the receiving end.
     * @throws IllegalStateException if the receiving domain is another process's.
     */
    @Override
    public Receiver receiver()
    {
        if (receiver == null)
        {
            throw new IllegalStateException(transport.name() + " channel " + channelId + ": the receiving end is " +
                "another process's");
        }
        return (Receiver)receiver;
    }

    /**
     * @return the channel's id in the kernel's table.
     */
    int channelId()
    {
        return channelId;
    }

    /**
     * @return whether this process's ends are open and whole (a peer gone or a broken protocol is found by the next
     *         call, which says which).
     */
    @Override
    public boolean isOpen()
    {
        return !closed && (sender == null || sender.broken == null) && (receiver == null || receiver.broken == null);
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        // Both gates first: an end of this process must hear ChannelClosedException, not that its peer (the other
        // end, closed here a moment earlier) is gone.
        shut(sender);
        shut(receiver);
        closeEnd(sender);
        closeEnd(receiver);
        transport.closed(this);
    }

    private static void shut(final ProcessChannelEnd end)
    {
        if (end != null)
        {
            ((SpiEnd)end).spi().shut();
        }
    }

    private void closeEnd(final ProcessChannelEnd end)
    {
        if (end != null)
        {
            end.close();
            transport.unmap(((SpiEnd)end).spi());
        }
    }
}
