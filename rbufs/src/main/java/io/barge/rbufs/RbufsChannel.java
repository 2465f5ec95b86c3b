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
import io.barge.core.transport.spi.Deferral;

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
 * {@link DomainListener}, on the thread that destroys it, before the kernel frees the dead domain's frames), is a
 * quiescent-state deferral ({@link Deferral}); no end's call takes a lock, a CAS or a fence for it:
 * <ol>
 *   <li>At setup both control areas' frames, which the ends reach through raw ring views, are pinned: a domain's
 *       death orphans them instead of freeing them.</li>
 *   <li>Every call of an end records its thread if it changed (volatile store) and then reads the state
 *       (volatile); a call that sees CLOSED touches no view and makes its end quiescent
 *       ({@link io.barge.core.transport.spi.QuiescentEnd}); it throws
 *       {@link io.barge.core.ChannelClosedException}.</li>
 *   <li>The state becomes CLOSED (an atomic swap: one of racing closers tears down). {@link #isOpen()} is false
 *       from here. The path's bookkeeping and the transport are told at once.</li>
 *   <li>Each end whose last thread is the closing thread, none or a terminated thread is quiescent; once both are
 *       (now, at the other's next call, or when the kernel next counts or runs short of frames and that end's thread
 *       has ended), the ring views are pointed at private zeros and the event channels, control areas and data
 *       area are freed (the pins dropped).</li>
 * </ol>
 * So a close on the ends' thread, or after their threads ended, frees every frame at once; a close while an end
 * runs on another live thread leaves that end's frames for its next call. After a death the dead domain's frames
 * that no end reaches are free once {@code destroyDomain} returns; messages the survivor still holds fault on
 * reading once the data area is freed (see {@link RbufsReceiver}).
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
    private final Deferral deferral;
    private final NotifyChannel toReceiver;
    private final NotifyChannel toOriginator;
    /** The originator's control area's first frame, which the receiver's ring view reaches raw (for tests). */
    private final int originatorAreaFrame;

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
        originatorAreaFrame = originatorArea.frame(0);
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
        toReceiver = notify.open(kernel, from, to, config.notification(), notifySlots);
        // Closed once both ends are quiescent: nothing calls the event channels' ends any more.
        add(toReceiver::closeQuiescent);
        toOriginator = notify.open(kernel, to, from, config.notification(), notifySlots);
        add(toOriginator::closeQuiescent);

        sender = new RbufsSender(state, from, tmm, dataArea.ownerAddress(), areaLength, slotSize, slots,
            config.maxMessageLength(), originatorWriter, receiverReader, firstOnPath ? 0 : pathLength);
        receiver = new RbufsReceiver(state, to, tmm, receiverData, firstOnPath ? 0 : areaLength, slotSize, slots,
            originatorReader, receiverWriter, path == null ? 0 : path.area().addressIn(to), pathLength);
        // Closed with the other resources, once both ends are quiescent: no late count lands in a reused slot.
        final ChannelCounters counters = add(kernel.counters().newChannel("rbufs " + from.name() + " -> " +
            to.name(), from, to));
        sender.counters(counters);
        receiver.counters(counters);
        sender.link(new CounterLink(toReceiver, toOriginator, sender, from, originatorOwn,
            originatorPeer));
        receiver.link(new CounterLink(toOriginator, toReceiver, receiver, to, receiverOwn,
            receiverPeer));
        deferral = new Deferral(kernel, this::release, sender.quiescentEnd(), receiver.quiescentEnd());
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
        if ((dead == from || dead == to) && deferral != null)
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
            area.pinFrames(); // the ends' ring views reach them raw: their free waits for the ends (Deferral)
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
     * Tears the channel down (see the class comment for the protocol). Safe from any thread, and never waits: every
     * later call sees {@link io.barge.core.ChannelClosedException}; every frame is back once both ends are
     * quiescent, at once if neither runs on another live thread.
     */
    @Override
    public void close()
    {
        // A full fence (getAndSet) before the teardown reads the ends' threads: QuiescentEnd's Dekker pair.
        if (!state.close())
        {
            return;
        }
        // Closed now (safe from any thread: their own deferral) so that an end waiting on its waitset wakes and
        // sees the close; their frames are freed with the rest, quiescent, once both ends are.
        toReceiver.close();
        toOriginator.close();
        deferral.teardown();
        if (onClose != null)
        {
            onClose.run();
        }
    }

    /** The deferred half of the teardown: both ends are quiescent. */
    private void release()
    {
        sender.counterLink().publishCount();
        receiver.counterLink().publishCount();
        for (final RingView view : views)
        {
            view.drop();
        }
        closeAll(resources, null);
    }

    /**
     * @return the first frame of the originator's control area (pinned once while the ends may reach it), for tests.
     */
    int originatorAreaFrame()
    {
        return originatorAreaFrame;
    }

    /**
     * @return whether every frame of the channel has been freed (both ends quiescent since the close), for tests.
     */
    boolean isReleased()
    {
        return deferral.isReleased();
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
