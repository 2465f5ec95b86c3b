package io.barge.core.copy;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.NotifySender;
import io.barge.core.notify.Notifications;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.DirectBuffer;

/**
 * Classic IPC: the sender fills a private staging buffer, the kernel copies it into a kernel pipe
 * ({@link KernelPipe}) and notifies the receiver (UMP or LMP); the receiver's poll has the kernel copy it out into
 * one of the receiver's private buffers. Two counted copies per message; the baseline every other transport is
 * compared with.
 * <p>
 * The notification carries the length, which the receiver's kernel checks against its own record: a sender that
 * scribbles on the notification ring breaks only this channel.
 */
final class CopyChannel implements Channel
{
    static final int TYPE_DATA = 1;
    static final int TYPE_ABORT = 2;
    static final int RECEIVE_BUFFERS = 8;

    private final CopyTransport transport;
    private final Kernel kernel;
    private final Domain senderDomain;
    private final Domain receiverDomain;
    private final int maxMessageLength;
    private final int bufferPages;
    private final KernelPipe pipe;
    private final NotifyChannel notify;
    private final long stagingAddress;
    private final int[] stagingFrames;
    private final long[] receiveAddresses;
    private final int[][] receiveFrames;
    private final CopySender sender;
    private final CopyReceiver receiver;
    private volatile boolean open = true;

    CopyChannel(final CopyTransport transport, final Domain from, final Domain to, final ChannelConfig config)
    {
        this.transport = transport;
        this.kernel = from.kernel();
        this.senderDomain = from;
        this.receiverDomain = to;
        this.maxMessageLength = config.maxMessageLength();
        final int pageSize = kernel.memory().frameSize();
        this.bufferPages = (maxMessageLength + pageSize - 1) / pageSize;
        final int receiveBuffers = Math.min(RECEIVE_BUFFERS, config.capacity());
        this.receiveAddresses = new long[receiveBuffers];
        this.receiveFrames = new int[receiveBuffers][];
        this.stagingFrames = new int[bufferPages];
        KernelPipe createdPipe = null;
        NotifyChannel createdNotify = null;
        long staging = 0;
        int mappedReceive = 0;
        try
        {
            createdPipe = new KernelPipe(kernel, maxMessageLength);
            createdNotify = Notifications.open(kernel, from, to, config.notification(), config.capacity());
            staging = mapPrivate(from, stagingFrames);
            for (; mappedReceive < receiveBuffers; mappedReceive++)
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
                unmapPrivate(to, receiveAddresses[i], receiveFrames[i]);
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
        this.sender = new CopySender();
        this.receiver = new CopyReceiver(receiveBuffers);
        notify.errorHandler((error) -> open = false);
    }

    private long mapPrivate(final Domain domain, final int[] frames)
    {
        kernel.allocateFrames(domain, frames.length, true, frames);
        final long address = kernel.reserve(domain, frames.length);
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

    private boolean closed;

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
        notify.close();
        unmapPrivate(senderDomain, stagingAddress, stagingFrames);
        for (int i = 0; i < receiveAddresses.length; i++)
        {
            unmapPrivate(receiverDomain, receiveAddresses[i], receiveFrames[i]);
        }
        pipe.free();
        transport.closed(this);
    }

    private void checkOpen(final String operation)
    {
        if (!isOpen())
        {
            throw new ChannelClosedException(operation + " on a closed copy channel " + senderDomain + " -> " +
                receiverDomain);
        }
    }

    final class CopySender implements Sender
    {
        private final AddressSpace space = senderDomain.addressSpace();
        private final Claim forwardClaim = new Claim();
        private int notifyOffset;
        private boolean claimed;

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
            checkOpen("tryClaim");
            Flyweights.checkClaimable(claim, length, maxMessageLength);
            if (claimed)
            {
                throw new BufferStateException("a claim is still active on this sender: commit or abort it first");
            }
            if (!pipe.hasRoom(length))
            {
                return Status.BACK_PRESSURED;
            }
            final int at = notify.sender().tryClaim();
            if (at < 0)
            {
                return Status.BACK_PRESSURED;
            }
            notifyOffset = at;
            claimed = true;
            Flyweights.wrap(claim, space, stagingAddress, length, 0, this);
            return Status.OK;
        }

        @Override
        public void commit(final Claim claim)
        {
            checkMine(claim);
            checkOpen("commit");
            final int length = claim.length();
            pipe.copyIn(senderDomain, stagingAddress, length);
            final NotifySender notifySender = notify.sender();
            notifySender.buffer().putLong(notifyOffset, length);
            notifySender.commit(TYPE_DATA, 8);
            Flyweights.complete(claim);
            claimed = false;
        }

        @Override
        public void abort(final Claim claim)
        {
            checkMine(claim);
            Flyweights.complete(claim);
            claimed = false;
            if (isOpen())
            {
                // The notification slot is already claimed; an abort record keeps the ring in step.
                notify.sender().commit(TYPE_ABORT, 0);
            }
        }

        @Override
        public int forward(final Message message)
        {
            final Claim claim = forwardClaim;
            final int status = tryClaim(message.length(), claim);
            if (status != Status.OK)
            {
                return status;
            }
            // Classic IPC forwarding: one copy in from the buffer the message arrived in (no staging copy first).
            final int length = message.length();
            pipe.copyIn(senderDomain, message);
            final NotifySender notifySender = notify.sender();
            notifySender.buffer().putLong(notifyOffset, length);
            notifySender.commit(TYPE_DATA, 8);
            Flyweights.complete(claim);
            claimed = false;
            message.source().release(message);
            return Status.OK;
        }

        private void checkMine(final Claim claim)
        {
            if (!claim.isActive() || Flyweights.attachment(claim) != this)
            {
                throw new BufferStateException("claim is not an active claim of this sender");
            }
        }
    }

    final class CopyReceiver implements Receiver, NotifyHandler
    {
        private final AddressSpace space = receiverDomain.addressSpace();
        private final int[] freeBuffers;
        private int freeCount;
        private int notifiedType;
        private int notifiedLength;

        CopyReceiver(final int buffers)
        {
            freeBuffers = new int[buffers];
            for (int i = 0; i < buffers; i++)
            {
                freeBuffers[i] = buffers - 1 - i;
            }
            freeCount = buffers;
        }

        @Override
        public Domain domain()
        {
            return receiverDomain;
        }

        @Override
        public Message newMessage()
        {
            return new Message();
        }

        @Override
        public int poll(final Message into)
        {
            checkOpen("poll");
            if (into.isHeld())
            {
                throw new BufferStateException("message is still held: release it before polling into it again");
            }
            if (freeCount == 0)
            {
                return Status.BACK_PRESSURED;
            }
            while (true)
            {
                notifiedType = 0;
                try
                {
                    if (notify.receiver().poll(this, 1) == 0)
                    {
                        return Status.EMPTY;
                    }
                    if (notifiedType == TYPE_ABORT)
                    {
                        continue;
                    }
                    if (notifiedType != TYPE_DATA)
                    {
                        throw new ProtocolViolationException("copy channel: unknown notification type=" +
                            notifiedType);
                    }
                    final int buffer = freeBuffers[freeCount - 1];
                    final int length = pipe.copyOut(
                        receiverDomain, receiveAddresses[buffer], maxMessageLength, notifiedLength);
                    freeCount--;
                    Flyweights.begin(into, this, space, buffer, CopyChannel.this, false);
                    Flyweights.addPiece(into, receiveAddresses[buffer], length);
                    return Status.OK;
                }
                catch (final ProtocolViolationException ex)
                {
                    receiverDomain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                    open = false;
                    throw ex;
                }
            }
        }

        @Override
        public void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
        {
            notifiedType = type;
            // Read the peer-written length once.
            notifiedLength = length >= 8 ? (int)Math.min(Integer.MAX_VALUE, Math.max(-1, buffer.getLong(offset))) : -1;
        }

        @Override
        public void release(final Message message)
        {
            if (Flyweights.attachment(message) != CopyChannel.this && message.isHeld())
            {
                throw new IllegalArgumentException("message was not received on this channel");
            }
            final int buffer = (int)Flyweights.token(message);
            Flyweights.end(message);
            freeBuffers[freeCount++] = buffer;
        }
    }
}
