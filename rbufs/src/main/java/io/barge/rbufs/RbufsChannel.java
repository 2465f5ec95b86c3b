package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.ChannelCounters;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;

import java.util.ArrayList;
import java.util.List;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;

/**
 * A complete Rbufs channel between an originator and a receiver: one data area (frames owned by the originator,
 * mapped read-write there and read-only in the receiver), two control areas (the originator's, read-only in the
 * receiver; the receiver's, read-only in the originator) and two notification channels carrying the event counts.
 * <p>
 * The data area is {@code capacity} slots of {@code maxMessageLength} bytes rounded up to a cache line; the master
 * (the originator in {@link Mode#TMM}, the receiver in {@link Mode#RMM}) chooses which slot each message uses.
 * Closing returns every frame, including those of messages in flight or held.
 * <p>
 * Teardown, by {@link #close} from any thread or by the death of either domain (the kernel's
 * {@link DomainListener}, on the thread that destroys it, before the kernel frees the dead domain's frames):
 * <ol>
 *   <li>The state becomes CLOSED (an atomic swap: one of racing closers releases, every closer still waits in 2).
 *       {@link #isOpen()} is false from here.</li>
 *   <li>Each end's {@code EndGate} is shut: the closer waits until the end is outside a call (a CAS that acquires
 *       the end's release store on leaving), so each end's every access to a shared frame happens before 3.
 *       An end's later call fails at its gate with {@link io.barge.core.ChannelClosedException} and touches
 *       nothing.</li>
 *   <li>The ring views are pointed at private zeros and the event channels, control areas and data area are
 *       freed; frames of a dead domain are left to the kernel, which frees them only after this listener has
 *       returned, so no end can reach them then.</li>
 * </ol>
 * After a death every frame of the channel is free once {@code destroyDomain} returns; the survivor holds
 * nothing. Messages it still holds fault on reading (see {@link RbufsReceiver}).
 */
public final class RbufsChannel implements Channel
{
    /** Who is master: who chooses where data goes. */
    public enum Mode
    {
        /** Transmit master: the originator chooses; the receiver returns regions by FREE IOrecs. */
        TMM,
        /** Receive master: the receiver posts empty regions by EMPTY IOrecs; the originator fills them. */
        RMM
    }

    /** Slots are rounded up to this many bytes, so no two messages share a cache line. */
    public static final int SLOT_ALIGNMENT = 64;
    /** Largest data area. */
    public static final long MAX_DATA_AREA = 1L << 30;

    /** Tests turn this off to force scattered ring frames and so the per-page views. */
    static volatile boolean contiguousRings = true;

    private static final int LMP_MAX_SLOTS = io.barge.core.notify.LmpDescriptor.MAX_SLOTS;

    private final Kernel kernel;
    private final Mode mode;
    private final EndState state;
    private final List<AutoCloseable> resources;
    private final List<RingView> views = new ArrayList<>();
    private final RbufsSender sender;
    private final RbufsReceiver receiver;
    private final SharedRegion dataArea;
    private final Runnable onClose;
    private final Domain from;
    private final Domain to;
    private final DomainListener deaths = this::onDestroy;

    private RbufsChannel(final Kernel kernel, final Domain from, final Domain to, final ChannelConfig config,
        final Mode mode, final NotifyFactory notify, final Runnable onClose, final List<AutoCloseable> resources,
        final RbufsPath path, final int hop)
    {
        this.resources = resources;
        this.kernel = kernel;
        this.mode = mode;
        this.onClose = onClose;
        this.from = from;
        this.to = to;
        this.state = new EndState(from + "->" + to + "[" + mode + "]");
        final int slotSize = slotSize(config.maxMessageLength());
        final int slots = config.capacity();
        final long areaLength = (long)slots * slotSize;
        if (areaLength > MAX_DATA_AREA)
        {
            throw new IllegalArgumentException("data area of capacity=" + slots + " x slot=" + slotSize +
                " bytes exceeds " + MAX_DATA_AREA);
        }
        final int ringCapacity = ControlAreaDescriptor.ringCapacityFor(slots);
        final boolean tmm = mode == Mode.TMM;

        // On a path the first hop's data area is the path's (its master's, mapped read-only along the whole path);
        // a later hop has an area of its own for the messages its originator writes, beside the path's.
        final boolean firstOnPath = path != null && hop == 0;
        final long pathLength = path == null ? 0 : path.areaLength();
        if (firstOnPath)
        {
            dataArea = path.area();
        }
        else
        {
            // Consecutive frames where free (once per channel): user views over a slot then take the one-run path.
            dataArea = add(new SharedRegion(kernel, from, (int)areaLength, 1, true));
        }
        final long receiverData = firstOnPath ? dataArea.addressIn(to) : dataArea.shareWith(to, Rights.READ);
        final SharedRegion originatorArea = add(controlArea(kernel, from, to, ringCapacity, FLAG_DATA));
        final SharedRegion receiverArea = add(controlArea(kernel, to, from, ringCapacity, tmm ? FLAG_FREE : FLAG_EMPTY));

        final RingView originatorOwn = view(from, originatorArea, Access.WRITE);
        final RingView receiverPeer = checkedView(to, originatorArea, ringCapacity, FLAG_DATA);
        final IoRecWriter originatorWriter = new IoRecWriter(originatorOwn, ringCapacity);
        final IoRecReader originatorReader = new IoRecReader(receiverPeer, ringCapacity, FLAG_DATA);
        final int returnFlags = tmm ? FLAG_FREE : FLAG_EMPTY;
        final RingView receiverOwn = view(to, receiverArea, Access.WRITE);
        final RingView originatorPeer = checkedView(from, receiverArea, ringCapacity, returnFlags);
        final IoRecWriter receiverWriter = new IoRecWriter(receiverOwn, ringCapacity);
        final IoRecReader receiverReader = new IoRecReader(originatorPeer, ringCapacity, returnFlags);

        // Before the event channels' own listeners, so that the ends are out before those channels' frames go.
        kernel.addDomainListener(deaths);
        add(() -> kernel.removeDomainListener(deaths));
        final int notifySlots = notifySlots(config);
        final NotifyChannel toReceiver = notify.open(kernel, from, to, config.notification(), notifySlots);
        // The end gates are shut before resources close: nothing calls the event channels' ends any more.
        add(toReceiver::closeQuiescent);
        final NotifyChannel toOriginator = notify.open(kernel, to, from, config.notification(), notifySlots);
        add(toOriginator::closeQuiescent);

        sender = new RbufsSender(state, from, tmm, dataArea.ownerAddress(), areaLength, slotSize, slots,
            config.maxMessageLength(), originatorWriter, receiverReader, firstOnPath ? 0 : pathLength);
        receiver = new RbufsReceiver(state, to, tmm, receiverData, firstOnPath ? 0 : areaLength, slotSize, slots,
            originatorReader, receiverWriter, path == null ? 0 : path.area().addressIn(to), pathLength);
        // Closed with the other resources, after the end gates are shut: no late count lands in a reused slot.
        final ChannelCounters counters = add(kernel.counters().newChannel("rbufs " + from.name() + " -> " +
            to.name(), from, to));
        sender.counters(counters);
        receiver.counters(counters);
        sender.link(new CounterLink(toReceiver, toOriginator, sender, from, originatorOwn,
            originatorPeer));
        receiver.link(new CounterLink(toOriginator, toReceiver, receiver, to, receiverOwn,
            receiverPeer));
    }

    /**
     * Opens a channel; on failure everything allocated so far is returned.
     *
     * @param kernel   the machine.
     * @param from     originator.
     * @param to       receiver.
     * @param config   sizes and notification kind.
     * @param mode     who is master.
     * @param notify   opens the event channels.
     * @param onClose  run once when the channel closes (the transport forgets it), or null.
     * @return the open channel.
     */
    public static RbufsChannel open(final Kernel kernel, final Domain from, final Domain to,
        final ChannelConfig config, final Mode mode, final NotifyFactory notify, final Runnable onClose)
    {
        return open(kernel, from, to, config, mode, notify, onClose, null, 0);
    }

    /**
     * Opens hop {@code hop} of a path (transmit master), or a lone channel if {@code path} is null.
     */
    static RbufsChannel open(final Kernel kernel, final Domain from, final Domain to, final ChannelConfig config,
        final Mode mode, final NotifyFactory notify, final Runnable onClose, final RbufsPath path, final int hop)
    {
        if (from == to)
        {
            throw new IllegalArgumentException("originator and receiver must differ, both are " + from);
        }
        final List<AutoCloseable> cleanup = new ArrayList<>();
        try
        {
            return new RbufsChannel(kernel, from, to, config, mode, notify, onClose, cleanup, path, hop);
        }
        catch (final RuntimeException ex)
        {
            closeAll(cleanup, ex);
            throw ex;
        }
    }

    private void onDestroy(final Domain dead)
    {
        if ((dead == from || dead == to) && sender != null && receiver != null)
        {
            state.died(dead);
            close();
        }
    }

    /**
     * @param config channel sizes.
     * @return notification slots: two per message in flight, so counters seldom wait for room.
     */
    static int notifySlots(final ChannelConfig config)
    {
        final int slots = Math.max(16, config.capacity() * 2);
        return config.notification() == ChannelConfig.Notification.LMP ? Math.min(slots, LMP_MAX_SLOTS) : slots;
    }

    /**
     * @param maxMessageLength largest message.
     * @return the slot size for it.
     */
    static int slotSize(final int maxMessageLength)
    {
        return (maxMessageLength + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }

    static SharedRegion controlArea(final Kernel kernel, final Domain producer, final Domain consumer,
        final int ringCapacity, final int flags)
    {
        final SharedRegion area = new SharedRegion(kernel, producer, ControlAreaDescriptor.areaLength(ringCapacity),
            1, contiguousRings);
        try
        {
            area.shareWith(consumer, Rights.READ);
            final RingView setup = new RingView(producer.addressSpace(), area.ownerAddress(), area.length(),
                Access.WRITE);
            ControlAreaDescriptor.writeHeader(setup.firstPage(), ringCapacity, producer.id(), flags);
            setup.drop();
            return area;
        }
        catch (final RuntimeException ex)
        {
            area.close();
            throw ex;
        }
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

    private RingView checkedView(final Domain consumer, final SharedRegion area, final int capacity, final int flags)
    {
        final RingView view = view(consumer, area, Access.READ);
        ControlAreaDescriptor.checkHeader(view.firstPage(), capacity, flags);
        return view;
    }

    @Override
    public Sender sender()
    {
        return sender;
    }

    @Override
    public Receiver receiver()
    {
        return receiver;
    }

    @Override
    public boolean isOpen()
    {
        return state.isOpen();
    }

    /**
     * @return who is master.
     */
    public Mode mode()
    {
        return mode;
    }

    /**
     * @return the violation that broke the channel, or null.
     */
    public Throwable failure()
    {
        return state.cause();
    }

    RbufsSender rbufsSender()
    {
        return sender;
    }

    RbufsReceiver rbufsReceiver()
    {
        return receiver;
    }

    SharedRegion dataArea()
    {
        return dataArea;
    }

    Kernel kernel()
    {
        return kernel;
    }

    /**
     * Tears the channel down and returns every frame (see the class comment for the protocol). Safe from any
     * thread: an end that is mid-call on another thread finishes its call first (calls never block), then every
     * call sees {@link io.barge.core.ChannelClosedException}. Returns once nothing of the channel is reachable.
     */
    @Override
    public void close()
    {
        final boolean first = state.close();
        sender.gate().shut();
        receiver.gate().shut();
        if (!first)
        {
            return;
        }
        sender.counterLink().publishCount();
        receiver.counterLink().publishCount();
        for (final RingView view : views)
        {
            view.drop();
        }
        closeAll(resources, null);
        if (onClose != null)
        {
            onClose.run();
        }
    }

    private static void closeAll(final List<AutoCloseable> resources, final RuntimeException primary)
    {
        RuntimeException failure = primary;
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            try
            {
                resources.get(i).close();
            }
            catch (final Exception ex)
            {
                if (failure == null)
                {
                    failure = new IllegalStateException("rbufs teardown failed", ex);
                }
                else
                {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null && primary == null)
        {
            throw failure;
        }
    }
}
