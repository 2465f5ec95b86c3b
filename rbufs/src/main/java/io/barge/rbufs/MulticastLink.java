package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.ChannelCounters;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.transport.spi.Deferral;
import io.barge.core.transport.spi.QuiescentEnd;
import io.barge.core.transport.ChannelConfig;

import java.util.ArrayList;
import java.util.List;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;

/**
 * One receiver of a multicast: its two control areas (the originator's IOrecs to it, its returns), its event
 * channels, its end, and the originator's private bookkeeping of which slots it holds.
 */
final class MulticastLink extends LinePadding implements CounterLink.Listener
{
    final int index;
    final Domain receiverDomain;
    final EndState state;
    final IoRecWriter writer;
    final IoRecReader reader;
    final RbufsReceiver receiver;
    final CounterLink link;
    /** This receiver's channel in the kernel's counters: what was sent to it and what it took. */
    final ChannelCounters counters;
    final boolean[] held;
    int outstanding;
    long lastProgressNs;
    boolean attached = true;
    /** Set (volatile) by a detach request from another thread (the receiver's death); the sender applies it. */
    volatile boolean detachRequested;
    /** The sender's use of this link: quiescent once the sender has detached it, on its own thread. */
    private QuiescentEnd senderSide;
    /** Frees this link's control areas and event channels once its receiver end and the sender let go. */
    private Deferral deferral;
    private final Kernel kernel;
    private boolean released;
    private final NotifyChannel toReceiver;
    private final NotifyChannel toOriginator;
    private final List<AutoCloseable> resources;
    private final List<RingView> views = new ArrayList<>();

    MulticastLink(final int index, final Kernel kernel, final Domain originator, final Domain receiverDomain,
        final SharedRegion dataArea, final long areaLength, final int slotSize, final int slots,
        final ChannelConfig config, final NotifyFactory notify, final List<AutoCloseable> resources)
    {
        this.index = index;
        this.kernel = kernel;
        this.receiverDomain = receiverDomain;
        this.resources = resources;
        this.state = new EndState(originator + "->" + receiverDomain + "[multicast " + index + "]");
        this.held = new boolean[slots];
        final int ringCapacity = ControlAreaDescriptor.ringCapacityFor(slots);
        final long receiverData = dataArea.shareWith(receiverDomain, io.barge.core.Rights.READ);
        final SharedRegion out = add(RbufsChannel.controlArea(kernel, originator, receiverDomain, ringCapacity,
            FLAG_DATA));
        final SharedRegion back = add(RbufsChannel.controlArea(kernel, receiverDomain, originator, ringCapacity,
            FLAG_FREE));
        final RingView outWrite = view(originator, out, Access.WRITE);
        writer = new IoRecWriter(outWrite, ringCapacity);
        final RingView outRead = view(receiverDomain, out, Access.READ);
        ControlAreaDescriptor.checkHeader(outRead.firstPage(), ringCapacity, FLAG_DATA);
        final RingView backRead = view(originator, back, Access.READ);
        ControlAreaDescriptor.checkHeader(backRead.firstPage(), ringCapacity, FLAG_FREE);
        reader = new IoRecReader(backRead, ringCapacity, FLAG_FREE);
        final int notifySlots = RbufsChannel.notifySlots(config);
        // Released only once the receiver end and the sender's use of this link are quiescent: the event channels'
        // ends are called by nobody then, so they close quiescent.
        toReceiver =
            notify.open(kernel, originator, receiverDomain, config.notification(), notifySlots);
        add(toReceiver::closeQuiescent);
        toOriginator =
            notify.open(kernel, receiverDomain, originator, config.notification(), notifySlots);
        add(toOriginator::closeQuiescent);
        final RingView backWrite = view(receiverDomain, back, Access.WRITE);
        receiver = new RbufsReceiver(state, receiverDomain, true, receiverData, areaLength, slotSize, slots,
            new IoRecReader(outRead, ringCapacity, FLAG_DATA), new IoRecWriter(backWrite, ringCapacity));
        link = new CounterLink(toReceiver, toOriginator, this, originator, outWrite,
            backRead);
        receiver.link(new CounterLink(toOriginator, toReceiver, receiver, receiverDomain, backWrite,
            outRead));
        counters = add(kernel.counters().newChannel("rbufs multicast " + originator.name() + " -> " +
            receiverDomain.name(), originator, receiverDomain));
        receiver.counters(counters);
    }

    /**
     * Called once the sender exists: this link's frames wait for its receiver end and for the sender's use of it.
     *
     * @param sender the multicast's sending end.
     */
    void attachSender(final QuiescentEnd sender)
    {
        senderSide = new QuiescentEnd(sender);
        deferral = new Deferral(kernel, this::release, receiver.quiescentEnd(), senderSide);
    }

    /** On the sender's thread: it has detached this link and touches none of its views again. */
    void senderLetGo()
    {
        senderSide.quiescent();
    }

    /**
     * The link's state is closed: its frames are freed once the receiver end and the sender's use are quiescent
     * ({@link Deferral}).
     */
    void teardown()
    {
        // Now, from any thread (their own deferral): a receiver end waiting on its waitset wakes and sees the close.
        toReceiver.close();
        toOriginator.close();
        deferral.teardown();
    }

    private <T extends AutoCloseable> T add(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    private RingView view(final Domain domain, final SharedRegion area, final Access access)
    {
        final RingView view = new RingView(domain.addressSpace(), area.addressIn(domain), area.length(), access);
        views.add(view);
        return view;
    }

    @Override
    public void onCounters(final long head, final long tail)
    {
        writer.onTail(tail);
        reader.onHead(head);
    }

    /**
     * @param messages records the next commits need.
     * @return whether this receiver's ring has room for them.
     */
    boolean ringHasRoom(final int messages)
    {
        return writer.capacity() - (writer.head() - writer.knownTail()) >=
            (long)messages * ControlAreaDescriptor.BYTES_PER_MESSAGE;
    }

    /**
     * Drops this link's views and frees its control areas and event channels, once (this link's own deferral and
     * the whole multicast's may both come to it).
     */
    synchronized void release()
    {
        if (released)
        {
            return;
        }
        released = true;
        link.publishCount();
        receiver.counterLink().publishCount();
        for (final RingView view : views)
        {
            view.drop();
        }
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            try
            {
                resources.get(i).close();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("multicast link " + index + " teardown failed", ex);
            }
        }
        resources.clear();
    }
}
