package io.barge.bench.report;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.OptionSpec;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A test-only transport handed to the report in-process (not registered with ServiceLoader): a ring of
 * sender-owned slots shared read-only with the receiver; forwarding is a counted kernel copy. Two modes, so the
 * report's handling of several modes per transport is exercised. Test code: the slot states are a Java object both
 * ends share, which a real transport must not do.
 */
final class TestRingTransport implements TransportProvider
{
    /** Its name. */
    static final String NAME = "report-test-ring";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public String description()
    {
        return "test only: shared ring of sender-owned slots";
    }

    @Override
    public List<OptionSpec> options()
    {
        return List.of(OptionSpec.ofBoolean("zero", false, "zero the slots when a channel opens"));
    }

    @Override
    public List<Map<String, String>> modes()
    {
        return List.of(Map.of("zero", "false"), Map.of("zero", "true"));
    }

    @Override
    public Transport create(final Kernel kernel, final TransportOptions options)
    {
        final List<RingChannel> channels = new ArrayList<>();
        return new Transport()
        {
            @Override
            public String name()
            {
                return NAME;
            }

            @Override
            public TransportOptions options()
            {
                return options;
            }

            @Override
            public synchronized Channel open(final Domain sender, final Domain receiver, final ChannelConfig config)
            {
                final RingChannel channel = new RingChannel(kernel, sender, receiver, config,
                    options.getBoolean("zero"));
                channels.add(channel);
                return channel;
            }

            @Override
            public synchronized void close()
            {
                channels.forEach(RingChannel::close);
                channels.clear();
            }
        };
    }

    /** One channel: slot state 0 free, positive a published length, -1 held by the receiver. */
    private static final class RingChannel implements Channel, Sender
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
        private long head;
        private long readHead;
        private volatile long finishedAt = -1;
        private final Message flyweight = new Message();
        private final WaitsetChannel spaceChannel = new WaitsetChannel("test-ring-space");
        private final WaitsetChannel readyChannel = new WaitsetChannel("test-ring-ready");
        private volatile boolean open = true;

        RingChannel(final Kernel kernel, final Domain sender, final Domain receiver, final ChannelConfig config,
            final boolean zero)
        {
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
                for (final int frame : frames)
                {
                    kernel.freeFrame(sender, frame);
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
            if (!open)
            {
                throw new ChannelClosedException("test ring channel closed");
            }
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
            if (tryClaim(message.length(), forwardClaim) != Status.OK)
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
                final int slot = (int)(readHead & (capacity - 1));
                final int length = state.get(slot);
                if (length <= 0)
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
}
