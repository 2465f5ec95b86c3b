package io.barge.core.machine;

import io.barge.core.transport.Channel;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.spi.Deferral;
import io.barge.core.transport.spi.QuiescentEnd;

/**
 * A channel between processes as the transport SPI sees it ({@link ProcessTransport#openChannel}): the ends this
 * process owns. {@link #close()}, from any thread, marks each end closed (so every later call throws
 * {@link io.barge.core.ChannelClosedException}) and wakes its registrations; the rest of the teardown is deferred until
 * each end is quiescent ({@link Deferral}, {@link QuiescentEnd}): at once if the ends ran on the closing thread, on
 * threads that have ended or never, else at the end's next call (which sees the close). Only then does it tell the
 * kernel the ends are closed (the peer process then drains and hears {@link PeerGoneException}) and unmap each end's
 * range from its local domain: the kernel returns the channel's frames once both ends are closed or dead, and hands
 * them to other channels after that, so an end still inside a call must not be able to write them.
 */
final class ProcessSpiChannel implements Channel
{
    private final ProcessTransport transport;
    private final int channelId;
    ProcessChannelEnd sender;
    ProcessChannelEnd receiver;
    private volatile boolean closed;
    /** Made by the close; null before. */
    private Deferral deferral;

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
        final Deferral teardown;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            // Watching the ends before they are marked: an end can only turn quiescent after it sees the mark.
            teardown = new Deferral(transport.kernel(), this::release, ends());
            deferral = teardown;
        }
        // Both marks before anything is released: an end of this process must hear ChannelClosedException, not
        // that its peer (the other end, closed here a moment earlier) is gone.
        mark(sender);
        mark(receiver);
        teardown.teardown();
    }

    /**
     * @return whether the close has released every end (told the kernel and unmapped), for tests.
     */
    boolean isReleased()
    {
        final Deferral teardown;
        synchronized (this)
        {
            teardown = deferral;
        }
        return teardown != null && teardown.isReleased();
    }

    /** @return the records of the ends this process owns, for the deferral. */
    private QuiescentEnd[] ends()
    {
        final QuiescentEnd[] ends = new QuiescentEnd[(sender != null ? 1 : 0) + (receiver != null ? 1 : 0)];
        int i = 0;
        for (final ProcessChannelEnd end : new ProcessChannelEnd[] { sender, receiver })
        {
            if (end != null)
            {
                ends[i++] = ((SpiEnd)end).spi().end;
            }
        }
        return ends;
    }

    private static void mark(final ProcessChannelEnd end)
    {
        if (end != null)
        {
            ((SpiEnd)end).spi().markClosed();
        }
    }

    /** The deferred half of the close: every end is quiescent. */
    private void release()
    {
        closeEnd(sender);
        closeEnd(receiver);
        transport.closed(this);
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
