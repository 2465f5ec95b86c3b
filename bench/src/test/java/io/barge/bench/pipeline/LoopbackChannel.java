package io.barge.bench.pipeline;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One channel of the test transport: a ring of buffer slots the sender owns and maps read-write, shared read-only
 * into the receiver. A slot's state word: 0 free, positive a published length, -1 held by the receiver. Test code:
 * the state array is a Java object both ends use, which real transports must not do.
 */
final class LoopbackChannel implements Channel, Sender
{
    private final Kernel kernel;
    private final Domain sender;
    private final Domain receiver;
    private final int capacity;
    private final int maxLength;
    private final int slotBytes;
    private final int[] frames;
    private final long senderBase;
    private final long receiverBase;
    private final AtomicIntegerArray state;
    private final Claim forwardClaim = new Claim();
    private final Receiver receiverEnd = new ReceiverEnd();
    private final int failAt;
    private final boolean leak;
    private final int stallAt;
    private long head;
    private long readHead;
    private volatile long finishedAt = -1;
    private final Message flyweight = new Message();
    private final WaitsetChannel spaceChannel = new WaitsetChannel("loopback-space");
    private final WaitsetChannel readyChannel = new WaitsetChannel("loopback-ready");
    private volatile boolean open = true;

    LoopbackChannel(final Kernel kernel, final Domain sender, final Domain receiver, final ChannelConfig config,
        final boolean zero, final int failAt, final boolean leak, final int stallAt)
    {
        this.stallAt = stallAt;
        this.failAt = failAt;
        this.leak = leak;
        this.kernel = kernel;
        this.sender = sender;
        this.receiver = receiver;
        this.capacity = config.capacity();
        this.maxLength = config.maxMessageLength();
        final int pageSize = kernel.memory().frameSize();
        final int pagesPerSlot = (maxLength + pageSize - 1) / pageSize;
        this.slotBytes = pagesPerSlot * pageSize;
        this.frames = new int[capacity * pagesPerSlot];
        this.state = new AtomicIntegerArray(capacity);
        kernel.allocateFrames(sender, frames.length, zero, frames);
        senderBase = kernel.reserve(sender, frames.length);
        receiverBase = kernel.reserve(receiver, frames.length);
        for (int i = 0; i < frames.length; i++)
        {
            kernel.map(sender, senderBase + (long)i * pageSize, frames[i], Rights.READ_WRITE);
            kernel.acceptShare(receiver, kernel.offerShare(sender, frames[i], receiver, Rights.READ),
                receiverBase + (long)i * pageSize, Rights.READ);
        }
    }

    @Override
    public Sender sender()
    {
        return this;
    }

    @Override
    public Receiver receiver()
    {
        return receiverEnd;
    }

    @Override
    public boolean isOpen()
    {
        return open;
    }

    @Override
    public synchronized void close()
    {
        if (!open)
        {
            return;
        }
        open = false;
        if (sender.isAlive())
        {
            // With leak on, the last frame stays with the sender until the domain is destroyed.
            for (int i = 0; i < frames.length - (leak ? 1 : 0); i++)
            {
                kernel.freeFrame(sender, frames[i]);
            }
            kernel.unreserve(sender, senderBase, frames.length);
        }
        if (receiver.isAlive())
        {
            kernel.unreserve(receiver, receiverBase, frames.length);
        }
    }

    @Override
    public Domain domain()
    {
        return sender;
    }

    @Override
    public int maxMessageLength()
    {
        return maxLength;
    }

    @Override
    public Claim newClaim()
    {
        return new Claim();
    }

    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        checkOpen();
        if (length < 1 || length > maxLength)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [1, " + maxLength + "]");
        }
        final int slot = (int)(head & (capacity - 1));
        if (state.get(slot) != 0)
        {
            return Status.BACK_PRESSURED;
        }
        Flyweights.wrap(claim, sender.addressSpace(), senderBase + (long)slot * slotBytes, length, slot, null);
        return Status.OK;
    }

    @Override
    public void commit(final Claim claim)
    {
        final int slot = (int)Flyweights.token(claim);
        final int length = claim.length();
        Flyweights.complete(claim);
        head++;
        state.set(slot, length);
    }

    @Override
    public void abort(final Claim claim)
    {
        Flyweights.complete(claim);
    }

    @Override
    public int forward(final Message message)
    {
        final int length = message.length();
        if (tryClaim(length, forwardClaim) != Status.OK)
        {
            return Status.BACK_PRESSURED;
        }
        final Domain from = message.source().domain();

        int offset = 0;
        for (int i = 0; i < message.pieceCount(); i++)
        {
            kernel.copy(sender, from, message.pieceAddress(i), sender, forwardClaim.address() + offset,
                message.pieceLength(i));
            offset += message.pieceLength(i);
        }
        commit(forwardClaim);
        message.source().release(message);
        return Status.OK;
    }

    private void checkOpen()
    {
        if (!open)
        {
            throw new ChannelClosedException("loopback channel closed");
        }
    }

    @Override
    public void finish()
    {
        finishedAt = head;
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        spaceChannel.registerPolled(waitset, handler, () -> !open || state.get((int)(head & (capacity - 1))) == 0);
    }

    /** The receiving end: acts for the receiving domain. */
    private final class ReceiverEnd implements Receiver
    {
        @Override
        public Domain domain()
        {
            return receiver;
        }

        @Override
        public Message newMessage()
        {
            return new Message();
        }

        @Override
        public int poll(final Message into)
        {
            checkOpen();
            if (readHead == failAt)
            {
                throw new ProtocolViolationException("test: failing at message " + failAt);
            }
            final int slot = (int)(readHead & (capacity - 1));
            final int length = state.get(slot);
            if (length <= 0 || readHead == stallAt)
            {
                return readHead == finishedAt ? Status.END_OF_STREAM : Status.EMPTY;
            }
            state.set(slot, -1);
            Flyweights.begin(into, this, receiver.addressSpace(), slot, null, false);
            Flyweights.addPiece(into, receiverBase + (long)slot * slotBytes, length);
            readHead++;
            return Status.OK;
        }

        @Override
        public int poll(final MessageHandler handler, final int limit)
        {
            return EndSupport.poll(this, flyweight, handler, limit);
        }

        @Override
        public boolean isEndOfStream()
        {
            return readHead == finishedAt;
        }

        @Override
        public void register(final Waitset waitset, final Runnable handler)
        {
            readyChannel.registerPolled(waitset, handler,
                () -> !open || readHead == finishedAt || state.get((int)(readHead & (capacity - 1))) > 0);
        }

        @Override
        public boolean deregister()
        {
            return readyChannel.cancel();
        }

        @Override
        public void release(final Message message)
        {
            final int slot = (int)Flyweights.token(message);
            Flyweights.end(message);
            state.set(slot, 0);
        }
    }
}
