package io.barge.core.copy;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelCounters;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.notify.LmpDescriptor;
import io.barge.core.notify.Notifications;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifySender;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static io.barge.core.copy.CopyNotificationDescriptor.TYPE_DATA;
import static io.barge.core.copy.CopyNotificationDescriptor.TYPE_END;

/**
 * Classic IPC: the sender fills a private staging buffer, the kernel copies it into a kernel pipe
 * ({@link KernelPipe}) and notifies the receiver (UMP or LMP, {@link CopyNotificationDescriptor}); the receiver's
 * poll has the kernel copy it out into one of the receiver's private buffers. Two counted copies per message; the
 * baseline every other transport is compared with.
 * <p>
 * Capacity ({@link ChannelConfig#capacity()}): the receiver has {@code capacity} private buffers and the kernel pipe
 * room for {@code capacity} largest messages; the sender counts the messages it committed against those the
 * receiver released (a kernel-kept count, {@link #released}), so with nothing released exactly {@code capacity}
 * messages go and the receiver can hold them all. The notification channel has twice as many slots, so a data
 * notification and the end record always find one despite UMP's lazy acknowledgements.
 * <p>
 * Teardown ({@link #close}, from any thread): the open flag drops, the closer waits until neither end is inside a
 * call ({@link CopyEndGate}), ends the active claim, then frees the notification channel, the staging, receive and
 * pipe frames. Every later call throws {@link ChannelClosedException} naming {@code copy} and the call.
 */
final class CopyChannel implements Channel
{
    private final CopyTransport transport;
    private final Kernel kernel;
    private final Domain senderDomain;
    final Domain receiverDomain;
    final int maxMessageLength;
    final int capacity;
    private final int bufferPages;
    final KernelPipe pipe;
    final NotifyChannel notify;
    private final long stagingAddress;
    private final int[] stagingFrames;
    final long[] receiveAddresses;
    private final int[][] receiveFrames;
    /** Kernel state: messages the receiver released (or forwarded on); written by the receiving thread only. */
    final AtomicLong released = new AtomicLong();
    /** Messages and bytes through this channel, in the kernel's counters (barge stat shows them). */
    final ChannelCounters counters;
    private final CopySender sender;
    private final CopyReceiver receiver;
    private volatile boolean open = true;
    private boolean closed;

    CopyChannel(final CopyTransport transport, final Domain from, final Domain to, final ChannelConfig config)
    {
        this.transport = transport;
        this.kernel = from.kernel();
        this.senderDomain = from;
        this.receiverDomain = to;
        this.maxMessageLength = config.maxMessageLength();
        this.capacity = config.capacity();
        final int pageSize = kernel.memory().frameSize();
        this.bufferPages = (maxMessageLength + pageSize - 1) / pageSize;
        this.receiveAddresses = new long[capacity];
        this.receiveFrames = new int[capacity][];
        this.stagingFrames = new int[bufferPages];
        final int slots = config.notification() == ChannelConfig.Notification.LMP ?
            Math.min(2 * capacity, LmpDescriptor.MAX_SLOTS) : 2 * capacity;
        KernelPipe createdPipe = null;
        NotifyChannel createdNotify = null;
        long staging = 0;
        int mappedReceive = 0;
        try
        {
            createdPipe = new KernelPipe(kernel, maxMessageLength, capacity);
            createdNotify = Notifications.open(kernel, from, to, config.notification(), slots);
            staging = mapPrivate(from, stagingFrames);
            for (; mappedReceive < capacity; mappedReceive++)
            {
                receiveFrames[mappedReceive] = new int[bufferPages];
                receiveAddresses[mappedReceive] = mapPrivate(to, receiveFrames[mappedReceive]);
            }
        }
        catch (final RuntimeException ex)
        {
            if (staging != 0)
            {
                unmapPrivate(from, staging, stagingFrames);
            }
            for (int i = 0; i < mappedReceive; i++)
            {
                if (receiveAddresses[i] != 0)
                {
                    unmapPrivate(to, receiveAddresses[i], receiveFrames[i]);
                }
            }
            if (createdNotify != null)
            {
                createdNotify.close();
            }
            if (createdPipe != null)
            {
                createdPipe.free();
            }
            throw ex;
        }
        this.pipe = createdPipe;
        this.notify = createdNotify;
        this.stagingAddress = staging;
        this.counters = kernel.counters().newChannel("copy " + from.name() + " -> " + to.name(), from, to);
        this.sender = new CopySender();
        this.receiver = new CopyReceiver(this);
        notify.errorHandler((error) -> open = false);
    }

    private long mapPrivate(final Domain domain, final int[] frames)
    {
        kernel.allocateFrames(domain, frames.length, true, frames);
        final long address;
        try
        {
            address = kernel.reserve(domain, frames.length);
        }
        catch (final RuntimeException ex)
        {
            for (final int frame : frames)
            {
                kernel.freeFrame(domain, frame);
            }
            throw ex;
        }
        final int pageSize = kernel.memory().frameSize();
        for (int i = 0; i < frames.length; i++)
        {
            kernel.map(domain, address + (long)i * pageSize, frames[i], Rights.READ_WRITE);
        }
        return address;
    }

    private void unmapPrivate(final Domain domain, final long address, final int[] frames)
    {
        if (!domain.isAlive())
        {
            return; // the kernel reclaimed them when it destroyed the domain
        }
        final int pageSize = kernel.memory().frameSize();
        for (int i = 0; i < frames.length; i++)
        {
            kernel.unmap(domain, address + (long)i * pageSize);
            kernel.freeFrame(domain, frames[i]);
        }
        kernel.unreserve(domain, address, frames.length);
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
        return open && notify.isOpen();
    }

    NotifyChannel notifyChannel()
    {
        return notify;
    }

    boolean involves(final Domain domain)
    {
        return domain == senderDomain || domain == receiverDomain;
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
            open = false;
        }
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (sender.gate.busyElsewhere() || receiver.gate().busyElsewhere())
        {
            idle.idle(); // each call in progress ends at its next open check, or returns
        }
        sender.endClaim();
        // Both gates are quiet and every later call sees closed: the notification ends are done, so all their
        // frames return now (closeQuiescent); like close, it wakes a registered receive handler or its poller.
        notify.closeQuiescent();
        unmapPrivate(senderDomain, stagingAddress, stagingFrames);
        for (int i = 0; i < receiveAddresses.length; i++)
        {
            unmapPrivate(receiverDomain, receiveAddresses[i], receiveFrames[i]);
        }
        pipe.free();
        counters.close(); // both ends are quiet: no late count lands in a reused slot
        sender.spaceChannel.trigger();
        receiver.closed();
        transport.closed(this);
    }

    void checkOpen(final String operation)
    {
        if (!isOpen())
        {
            throw new ChannelClosedException("copy " + operation + ": channel closed" +
                (closed ? "" : " or broken") + " (copy channel " + senderDomain + " -> " + receiverDomain + ")");
        }
    }

    /** A peer broke the protocol: the channel stays broken until closed. */
    void broken()
    {
        open = false;
    }

    @Override
    public String toString()
    {
        return "CopyChannel[" + senderDomain + " -> " + receiverDomain + "]";
    }

    /**
     * The copy sender. When it polls for room itself, a {@code BackoffIdleStrategy} suits it (room comes back when
     * the receiver releases, usually on another thread); one thread serving many channels registers it with
     * {@link #registerForSpace} instead (a polled registration: releases send no notification).
     */
    final class CopySender implements Sender
    {
        private final AddressSpace space = senderDomain.addressSpace();
        private final Claim forwardClaim = new Claim();
        private final IdleStrategy notifyIdle = new BackoffIdleStrategy();
        private final CopyEndGate gate = new CopyEndGate();
        private final WaitsetChannel spaceChannel = new WaitsetChannel("copy-space " + senderDomain);
        private final BooleanSupplier spaceOrClosed = () -> !isOpen() || hasCredit();
        private Claim active;
        private long committed;
        private long cachedReleased;
        private boolean finished;

        @Override
        public Domain domain()
        {
            return senderDomain;
        }

        @Override
        public int maxMessageLength()
        {
            return maxMessageLength;
        }

        @Override
        public Claim newClaim()
        {
            return new Claim();
        }

        @Override
        public int tryClaim(final int length, final Claim claim)
        {
            gate.enter();
            try
            {
                checkOpen("tryClaim");
                EndSupport.checkNotFinished("copy tryClaim", finished);
                EndSupport.checkLength("copy tryClaim", length, maxMessageLength);
                return claim(length, claim);
            }
            finally
            {
                gate.exit();
            }
        }

        private int claim(final int length, final Claim claim)
        {
            Flyweights.checkClaimable(claim, length, maxMessageLength);
            if (active != null)
            {
                throw new BufferStateException("copy tryClaim: a claim is still active on this sender: commit or " +
                    "abort it first");
            }
            if (!hasCredit() || !pipe.hasRoom(length))
            {
                return Status.BACK_PRESSURED;
            }
            active = claim;
            Flyweights.wrap(claim, space, stagingAddress, length, 0, this);
            return Status.OK;
        }

        /** Whether fewer than {@code capacity} messages are committed and not released; re-reads when it looks full. */
        private boolean hasCredit()
        {
            if (committed - cachedReleased < capacity)
            {
                return true;
            }
            cachedReleased = released.get();
            return committed - cachedReleased < capacity;
        }

        @Override
        public void commit(final Claim claim)
        {
            gate.enter();
            try
            {
                checkMine(claim, "commit");
                checkOpen("commit");
                final int length = claim.length();
                pipe.copyIn(senderDomain, stagingAddress, length);
                // Ended before the notification: an LMP receiver run synchronously by it may close the channel.
                Flyweights.complete(claim);
                active = null;
                notifyData(length, "commit");
            }
            finally
            {
                gate.exit();
            }
        }

        private void notifyData(final int length, final String operation)
        {
            final NotifySender notifySender = notify.sender();
            final int at = claimNotification(notifySender, operation);
            CopyNotificationDescriptor.length(notifySender.buffer(), at, length);
            notifySender.commit(TYPE_DATA, CopyNotificationDescriptor.PAYLOAD_LENGTH);
            committed++;
            counters.sent(length);
        }

        /** The ring has twice the capacity in slots, so this waits at most for a lagging acknowledgement. */
        private int claimNotification(final NotifySender notifySender, final String operation)
        {
            int at;
            notifyIdle.reset();
            while ((at = notifySender.tryClaim()) < 0)
            {
                checkOpen(operation);
                notifyIdle.idle();
            }
            return at;
        }

        @Override
        public void abort(final Claim claim)
        {
            gate.enter();
            try
            {
                checkMine(claim, "abort");
                Flyweights.complete(claim);
                active = null;
            }
            finally
            {
                gate.exit();
            }
        }

        @Override
        public int forward(final Message message)
        {
            gate.enter();
            try
            {
                checkOpen("forward");
                EndSupport.checkNotFinished("copy forward", finished);
                if (!message.isHeld())
                {
                    throw new BufferStateException("copy forward: the message is not held");
                }
                final int length = message.length();
                EndSupport.checkLength("copy forward", length, maxMessageLength);
                final Claim claim = forwardClaim;
                final int status = claim(length, claim);
                if (status != Status.OK)
                {
                    return status;
                }
                // Classic IPC forwarding: one copy in from the buffer the message arrived in (no staging copy).
                pipe.copyIn(senderDomain, message);
                Flyweights.complete(claim);
                active = null;
                notifyData(length, "forward");
                message.source().release(message);
                return Status.OK;
            }
            finally
            {
                gate.exit();
            }
        }

        @Override
        public void finish()
        {
            gate.enter();
            try
            {
                checkOpen("finish");
                if (finished)
                {
                    return;
                }
                if (active != null)
                {
                    throw new IllegalStateException("copy finish: a claim is still active: commit or abort it first");
                }
                final NotifySender notifySender = notify.sender();
                final int at = claimNotification(notifySender, "finish");
                CopyNotificationDescriptor.count(notifySender.buffer(), at, committed);
                finished = true;
                notifySender.commit(TYPE_END, CopyNotificationDescriptor.PAYLOAD_LENGTH);
            }
            finally
            {
                gate.exit();
            }
        }

        @Override
        public void registerForSpace(final Waitset waitset, final Runnable handler)
        {
            if (spaceOrClosed.getAsBoolean())
            {
                EndSupport.registerReady(spaceChannel, waitset, handler);
            }
            else
            {
                spaceChannel.registerPolled(waitset, handler, spaceOrClosed);
            }
        }

        /** Teardown: the active claim ends, so that its writes raise BufferStateException instead of landing. */
        private void endClaim()
        {
            final Claim claim = active;
            active = null;
            if (claim != null && claim.isActive() && Flyweights.attachment(claim) == this)
            {
                try
                {
                    Flyweights.complete(claim);
                }
                catch (final BufferStateException ex)
                {
                    // The sending thread ended it at the same moment: ended either way.
                }
            }
        }

        private void checkMine(final Claim claim, final String operation)
        {
            if (!claim.isActive() || Flyweights.attachment(claim) != this)
            {
                checkOpen(operation);
                throw new BufferStateException("copy " + operation + ": claim is not an active claim of this sender");
            }
        }
    }
}
