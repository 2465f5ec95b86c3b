package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.spi.Deferral;
import io.barge.core.transport.spi.QuiescentEnd;
import org.agrona.concurrent.EpochNanoClock;

import java.util.ArrayList;
import java.util.List;

/**
 * Rbufs multicast: one originator, several receivers, one data area (owned by the originator, read-only in every
 * receiver) and one pair of control areas per receiver. Data is reference counted and a region is free once the
 * last receiver has returned it; see {@link MulticastSender} for bounded rings and detaching a receiver that stops
 * returning. Each receiver's end is an ordinary {@link Receiver}.
 * <p>
 * Threads: the sender end on one thread, each receiver end on one thread (each handed over with a happens-before
 * edge). No end's call takes a CAS or a fence: teardowns are quiescent-state deferrals ({@link Deferral}). Detaching
 * (on the sender's thread) closes the receiver's link state; the link's control areas and event channels are freed
 * once the receiver end is quiescent too (its next call sees the close and fails with
 * {@link ChannelClosedException}, or its thread is this one, none or ended).
 * <p>
 * Deaths, told by the kernel's {@link DomainListener} on the destroying thread before the dead domain's frames
 * are freed:
 * <ol>
 *   <li>The originator: the multicast closes as by {@link #close} (every state closed, then every frame freed
 *       once every end is quiescent).</li>
 *   <li>A receiver: its link is closed and a detach request is left for the sender
 *       ({@link MulticastSender#requestDetach}): applied at once if this thread is the sender's, else by the sender
 *       at its next call, on its own thread, before it touches any link; the receiver is then detached exactly as a
 *       slow one (its references dropped, its control areas and event channels freed once both ends let go, the
 *       data area unmapped from it). The other receivers go on.</li>
 * </ol>
 */
public final class RbufsMulticast implements AutoCloseable
{
    private final SharedRegion dataArea;
    private final MulticastLink[] links;
    private final MulticastSender sender;
    private final EndState state;
    private final Kernel kernel;
    private final Domain originator;
    private final DomainListener deaths = this::onDestroy;
    private final Deferral deferral;

    private RbufsMulticast(final Kernel kernel, final Domain originator, final Domain[] receivers,
        final ChannelConfig config, final long detachTimeoutNs, final EpochNanoClock clock,
        final NotifyFactory notify, final List<List<AutoCloseable>> cleanup)
    {
        this.state = new EndState(originator + "->multicast");
        this.kernel = kernel;
        this.originator = originator;
        final int slotSize = RbufsChannel.slotSize(config.maxMessageLength());
        final int slots = config.capacity();
        final long areaLength = (long)slots * slotSize;
        if (areaLength > RbufsChannel.MAX_DATA_AREA)
        {
            throw new IllegalArgumentException("data area of capacity=" + slots + " x slot=" + slotSize +
                " bytes exceeds " + RbufsChannel.MAX_DATA_AREA);
        }
        final List<AutoCloseable> data = new ArrayList<>();
        cleanup.add(data);
        // Before the event channels' own listeners, so that the ends are out before those channels' frames go.
        kernel.addDomainListener(deaths);
        data.add(() -> kernel.removeDomainListener(deaths));
        // Consecutive frames where free (once per group): user views over a slot then take the one-run path.
        dataArea = new SharedRegion(kernel, originator, (int)areaLength, receivers.length, true);
        data.add(dataArea);
        links = new MulticastLink[receivers.length];
        for (int i = 0; i < receivers.length; i++)
        {
            final List<AutoCloseable> resources = new ArrayList<>();
            cleanup.add(resources);
            links[i] = new MulticastLink(i, kernel, originator, receivers[i], dataArea, areaLength, slotSize, slots,
                config, notify, resources);
        }
        sender = new MulticastSender(this, originator, dataArea.ownerAddress(), slotSize, slots,
            config.maxMessageLength(), links, clock, detachTimeoutNs);
        final QuiescentEnd[] ends = new QuiescentEnd[links.length + 1];
        ends[0] = sender.quiescentEnd();
        for (int i = 0; i < links.length; i++)
        {
            links[i].attachSender(sender.quiescentEnd());
            ends[i + 1] = links[i].receiver.quiescentEnd();
        }
        deferral = new Deferral(kernel, this::release, ends);
    }

    /**
     * Sets up a multicast; on failure everything allocated so far is returned.
     *
     * @param kernel          the machine.
     * @param originator      the sending domain.
     * @param receivers       distinct receiving domains, none the originator.
     * @param config          sizes: {@code capacity} is both the data area's slots and each receiver's ring bound.
     * @param detachTimeoutNs how long a receiver may hold messages without returning any before it is detached.
     * @param clock           the clock the timeout is measured with (a test clock in tests).
     * @param notify          opens the event channels.
     * @return the multicast.
     */
    public static RbufsMulticast open(final Kernel kernel, final Domain originator, final Domain[] receivers,
        final ChannelConfig config, final long detachTimeoutNs, final EpochNanoClock clock,
        final NotifyFactory notify)
    {
        if (receivers.length < 1)
        {
            throw new IllegalArgumentException("a multicast needs at least one receiver");
        }
        for (int i = 0; i < receivers.length; i++)
        {
            if (receivers[i] == originator)
            {
                throw new IllegalArgumentException("receiver " + i + " is the originator " + originator);
            }
            for (int j = 0; j < i; j++)
            {
                if (receivers[i] == receivers[j])
                {
                    throw new IllegalArgumentException("receivers " + j + " and " + i + " are both " + receivers[i]);
                }
            }
        }
        if (detachTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("detachTimeoutNs=" + detachTimeoutNs + " must be positive");
        }
        final List<List<AutoCloseable>> cleanup = new ArrayList<>();
        try
        {
            return new RbufsMulticast(kernel, originator, receivers, config, detachTimeoutNs, clock, notify,
                cleanup);
        }
        catch (final RuntimeException ex)
        {
            for (int i = cleanup.size() - 1; i >= 0; i--)
            {
                final List<AutoCloseable> resources = cleanup.get(i);
                for (int j = resources.size() - 1; j >= 0; j--)
                {
                    try
                    {
                        resources.get(j).close();
                    }
                    catch (final Exception suppressed)
                    {
                        ex.addSuppressed(suppressed);
                    }
                }
            }
            throw ex;
        }
    }

    /**
     * @return the originator's end: a commit goes to every attached receiver.
     */
    public Sender sender()
    {
        return sender;
    }

    /**
     * @param i receiver index, in the order given to {@link #open}.
     * @return that receiver's end.
     */
    public Receiver receiver(final int i)
    {
        return links[i].receiver;
    }

    /**
     * @return receivers.
     */
    public int receiverCount()
    {
        return links.length;
    }

    /**
     * @param i receiver index.
     * @return whether it is still attached.
     */
    public boolean isAttached(final int i)
    {
        final MulticastLink link = links[i];
        return link.attached && !link.detachRequested && !state.isClosed();
    }

    /**
     * @param i receiver index.
     * @return why it was detached, or null.
     */
    public Throwable failure(final int i)
    {
        return links[i].state.cause();
    }

    /**
     * Takes back returned regions and detaches receivers past the timeout; for the sender's thread when it has
     * nothing to send.
     *
     * @return work done.
     */
    public int doWork()
    {
        checkOpen();
        return sender.doWork();
    }

    MulticastSender multicastSender()
    {
        return sender;
    }

    MulticastLink link(final int i)
    {
        return links[i];
    }

    void checkOpen()
    {
        state.check();
    }

    boolean isClosed()
    {
        return state.isClosed();
    }

    ChannelClosedException closedException()
    {
        return state.closedException();
    }

    private void onDestroy(final Domain dead)
    {
        if (deferral == null)
        {
            return; // still being set up
        }
        if (dead == originator)
        {
            state.died(dead);
            close();
            return;
        }
        for (final MulticastLink link : links)
        {
            if (link.receiverDomain == dead)
            {
                if (!state.isClosed())
                {
                    sender.requestDetach(link, new ChannelClosedException("multicast receiver " + dead + " died"));
                }
            }
        }
    }

    /** On the sender's thread, which has detached the link and touches it no more. */
    void release(final MulticastLink link)
    {
        dataArea.unshare(link.receiverDomain);
        link.senderLetGo();
        link.teardown();
    }

    /**
     * Closes every end and frees every frame, each receiver's control areas and event channels and the data area,
     * whatever is in flight or held, once every end is quiescent: at once if none runs on another live thread, else
     * at those ends' next calls (or when the kernel next counts frames and their threads have ended). Idempotent;
     * never waits.
     */
    @Override
    public void close()
    {
        if (!state.close())
        {
            return;
        }
        kernel.removeDomainListener(deaths);
        for (final MulticastLink link : links)
        {
            link.state.close(); // full fences before the teardown reads the ends' threads (QuiescentEnd)
        }
        deferral.teardown();
    }

    private void release()
    {
        for (final MulticastLink link : links)
        {
            link.release();
        }
        dataArea.close();
    }
}
