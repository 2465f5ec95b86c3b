package io.barge.core.copy;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.WaitingReceive;
import org.agrona.DirectBuffer;

import java.util.concurrent.TimeUnit;

import static io.barge.core.copy.CopyNotificationDescriptor.TYPE_DATA;
import static io.barge.core.copy.CopyNotificationDescriptor.TYPE_END;

/**
 * The copy receiver. When it polls itself, a {@code BackoffIdleStrategy} suits it over UMP (it peeks at its
 * notification ring); over LMP, register it on the waitset of the domain's core ({@link #register}), which the
 * kernel triggers on delivery.
 */
final class CopyReceiver implements Receiver, NotifyHandler
{
    private final CopyChannel channel;
    private final Domain receiverDomain;
    private final KernelPipe pipe;
    private final int capacity;
    private final int maxMessageLength;
    private final long[] receiveAddresses;
    private final AddressSpace space;
    private final int[] freeBuffers;
    private final Message flyweight = new Message();
    private final CopyEndGate gate = new CopyEndGate();
    private final WaitsetChannel readyChannel;
    private final WaitingReceive waiting = new WaitingReceive(this);
    private int freeCount;
    private int notifiedType;
    private long notifiedWord;
    private long delivered;
    private volatile boolean endOfStream;

    CopyReceiver(final CopyChannel channel)
    {
        this.channel = channel;
        this.receiverDomain = channel.receiverDomain;
        this.pipe = channel.pipe;
        this.capacity = channel.capacity;
        this.maxMessageLength = channel.maxMessageLength;
        this.receiveAddresses = channel.receiveAddresses;
        this.space = receiverDomain.addressSpace();
        this.readyChannel = new WaitsetChannel("copy-ready " + receiverDomain);
        freeBuffers = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeBuffers[i] = capacity - 1 - i;
        }
        freeCount = capacity;
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
        gate.enter();
        try
        {
            channel.checkOpen("poll");
            if (into.isHeld())
            {
                throw new BufferStateException("copy poll: message is still held: release it before polling " +
                    "into it again");
            }
            return take(into);
        }
        catch (final ProtocolViolationException ex)
        {
            receiverDomain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
            channel.broken();
            throw ex;
        }
        finally
        {
            gate.exit();
        }
    }

    private int take(final Message into)
    {
        if (endOfStream)
        {
            return Status.END_OF_STREAM;
        }
        if (freeCount == 0)
        {
            return Status.BACK_PRESSURED;
        }
        notifiedType = 0;
        if (channel.notify.receiver().poll(this, 1) == 0)
        {
            return Status.EMPTY;
        }
        if (notifiedType == TYPE_END)
        {
            if (notifiedWord != delivered)
            {
                throw new ProtocolViolationException("copy poll: end of stream after " + notifiedWord +
                    " messages, but " + delivered + " were delivered");
            }
            endOfStream = true;
            return Status.END_OF_STREAM;
        }
        if (notifiedType != TYPE_DATA)
        {
            throw new ProtocolViolationException("copy poll: unknown notification type=" + notifiedType);
        }
        final int buffer = freeBuffers[freeCount - 1];
        final int notifiedLength = (int)Math.min(Integer.MAX_VALUE, Math.max(-1, notifiedWord));
        final int length = pipe.copyOut(receiverDomain, receiveAddresses[buffer], maxMessageLength,
            notifiedLength);
        freeCount--;
        delivered++;
        channel.counters.received();
        Flyweights.begin(into, this, space, buffer, channel, false);
        Flyweights.addPiece(into, receiveAddresses[buffer], length);
        return Status.OK;
    }

    @Override
    public void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        notifiedType = type;
        notifiedWord = CopyNotificationDescriptor.word(buffer, offset, length); // the peer's word, read once
    }

    @Override
    public int poll(final MessageHandler handler, final int limit)
    {
        return EndSupport.poll(this, flyweight, handler, limit);
    }

    @Override
    public boolean isEndOfStream()
    {
        return endOfStream;
    }

    @Override
    public void register(final Waitset waitset, final Runnable handler)
    {
        if (endOfStream || !channel.isOpen())
        {
            EndSupport.registerReady(readyChannel, waitset, handler);
        }
        else
        {
            channel.notify.receiver().registerReceive(waitset, handler);
        }
    }

    @Override
    public void release(final Message message)
    {
        if (Flyweights.attachment(message) != channel && message.isHeld())
        {
            throw new IllegalArgumentException("copy release: message was not received on this channel");
        }
        final int buffer = (int)Flyweights.token(message);
        Flyweights.end(message);
        freeBuffers[freeCount++] = buffer;
        // Release: a sender that reads the count may reuse the credit; the buffer's reads happened before.
        channel.released.lazySet(channel.released.get() + 1);
    }

    CopyEndGate gate()
    {
        return gate;
    }

    @Override
    public boolean deregister()
    {
        // Either may hold the registration: which one depends on the state register saw.
        return readyChannel.cancel() | channel.notify.receiver().cancelReceive();
    }

    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /** Teardown: a handler registered as ready runs and learns of the close. */
    void closed()
    {
        readyChannel.trigger();
    }
}
