package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.WaitingReceive;
import org.agrona.concurrent.AtomicBuffer;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.barge.core.machine.ProcessChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * The transport SPI's {@link Receiver} over an Rbufs channel between processes ({@link ProcessTransport}): each
 * message is a read-only view of its buffer in the data area, in place (zero copy), held until {@link #release},
 * which pushes its FREE IOrec on the return ring; releases may come in any order. The sender is not trusted: its
 * index and each IOrec are copied once and validated, and a buffer delivered again while held breaks the channel
 * ({@link ProtocolViolationException}). The end-of-stream word ({@link RbufsChannelDescriptor#END_OF_STREAM_OFFSET})
 * ends the stream once every IOrec before it was taken. A sender that closed or died: what it committed is delivered, then {@link PeerGoneException}. One thread;
 * allocates nothing per message.
 * <p>
 * The bytes are shared memory the sender can still write: a receiver that must trust them copies them first.
 */
class RbufsSpiReceiver extends ProcessRbufsEnd implements Receiver, SpiEnd
{
    private final SpiEndState spi;
    private final boolean[] held;
    private int heldCount;
    private boolean endOfStream;
    private long txConsumer;
    private long txProducerCache;
    private long returnProducer;
    private long returnConsumerCache;
    private long messagesReceived;
    private long bytesReceived;
    private final Message flyweight = new Message();
    private final WaitingReceive waiting = new WaitingReceive(this);
    private final BooleanSupplier messageReady = this::messageReady;

    RbufsSpiReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi)
    {
        this(client, channel, views, channelTable, spi, RbufsChannelDescriptor.stride(channel.maxMessageLength));
    }

    /** With the bytes from one buffer's start to the next given (an fbufs channel's runs). */
    RbufsSpiReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int stride)
    {
        super(client, channel, views[0], views[1], views[2], channelTable, channel.slot,
            ControlProtocolDescriptor.END_RECEIVER, "receiver", stride);
        this.spi = spi;
        this.held = new boolean[bufferCount];
    }

    @Override
    public SpiEndState spi()
    {
        return spi;
    }

    /**
     * @return the local domain standing for the kernel's receiving domain in this process ({@link ClientMachineView}).
     */
    @Override
    public Domain domain()
    {
        return spi.domain;
    }

    @Override
    public Message newMessage()
    {
        return new Message();
    }

    /**
     * {@inheritDoc}
     *
     * @throws PeerGoneException      if none is left and the sender closed the channel or died.
     * @throws KernelGoneException    if none is left and the kernel is gone.
     * @throws ProtocolViolationException if the sender broke the protocol (now or before).
     */
    @Override
    public int poll(final Message into)
    {
        spi.enter("poll");
        checkOpenAndWhole();
        checkSenderNotGone();
        if (endOfStream)
        {
            return Status.END_OF_STREAM;
        }
        spi.checkNotHeld(into);
        if (heldCount == bufferCount)
        {
            return Status.BACK_PRESSURED;
        }
        final long consumer = txConsumer;
        if (txProducerCache == consumer && (txProducerCache = readTxProducer(consumer)) == consumer)
        {
            final int idle = nothingNew(consumer);
            if (idle != Status.OK)
            {
                return idle;
            }
        }
        final int offset = TX_RING_OFFSET + (int)(consumer & slotMask) * IOREC_LENGTH;
        // Copied once, then checked: the sender can rewrite the slot meanwhile.
        final int base = ring.getInt(offset + BASE_OFFSET);
        final int length = ring.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET);
        final int flags = ring.getInt(offset + FLAGS_OFFSET);
        final int root = ring.getInt(offset + FbufsChannelDescriptor.ROOT_OFFSET);
        if (flags != FLAG_DATA || base < 0 || base % stride != 0 || base / stride >= bufferCount ||
            length < 0 || length > maxMessageLength)
        {
            throw breaks("IOrec " + consumer + " {base=" + base + " length=" + length + " flags=" + flags +
                "} is not a DATA IOrec (" + FLAG_DATA + ") of a buffer's start (a multiple of " + stride +
                " below " + bufferCount * stride + ") with length in [0, " + maxMessageLength + "]");
        }
        final int buffer = base / stride;
        if (held[buffer])
        {
            throw breaks("IOrec " + consumer + " sends buffer " + buffer + " again while it is held here");
        }
        checkDescription(consumer, base, length, root);
        held[buffer] = true;
        heldCount++;
        takeSlot(consumer);
        Flyweights.begin(into, this, spi.space, buffer, this, false);
        addPieces(into, base, length);
        counterRelease(header, MESSAGES_RECEIVED_OFFSET, ++messagesReceived);
        counterRelease(header, BYTES_RECEIVED_OFFSET, bytesReceived += length);
        return Status.OK;
    }

    /**
     * Called once an IOrec is copied and found a DATA IOrec of a buffer not held here, before anything changes: an
     * Rbufs IOrec's bytes are the buffer's, with nothing more to check; an fbufs receiver walks the aggregate from
     * the root here.
     *
     * @param record the IOrec's index, for errors.
     * @param base   the buffer's offset in the data area.
     * @param length the message's length.
     * @param root   the IOrec's last word, copied with the others.
     * @throws ProtocolViolationException if the description breaks the protocol.
     */
    void checkDescription(final long record, final int base, final int length, final int root)
    {
        // An Rbufs IOrec's bytes are the buffer's: checked above.
    }

    /**
     * Adds the message's pieces, after {@link #checkDescription} passed: an Rbufs message is its buffer's bytes.
     *
     * @param into   the message being filled.
     * @param base   the buffer's offset in the data area.
     * @param length the message's length.
     */
    void addPieces(final Message into, final int base, final int length)
    {
        Flyweights.addPiece(into, spi.base + base, length);
    }

    /**
     * With nothing new from the sender: the end of the stream, or whether an IOrec came after all.
     *
     * @return {@link Status#END_OF_STREAM}, {@link Status#EMPTY}, or {@link Status#OK} if an IOrec is there now.
     */
    private int nothingNew(final long consumer)
    {
        final long end = indexAcquire(ring, END_OF_STREAM_OFFSET);
        if (end == 0)
        {
            return committedAfterAll(consumer) ? Status.OK : Status.EMPTY;
        }
        // Read again after the end word's acquire: every IOrec committed before the finish is visible now.
        txProducerCache = readTxProducer(consumer);
        if (txProducerCache != consumer)
        {
            return Status.OK;
        }
        if (end - 1 != consumer)
        {
            throw breaks("the sender's end of stream after IOrec " + (end - 1) + " does not match the " + consumer +
                " IOrecs it pushed");
        }
        endOfStream = true;
        return Status.END_OF_STREAM;
    }

    /** @return whether an IOrec came after all; throws if the sender (or the kernel) is gone and none did. */
    private boolean committedAfterAll(final long consumer)
    {
        if (senderThere())
        {
            return false;
        }
        txProducerCache = readTxProducer(consumer); // once more (see senderThere)
        if (txProducerCache != consumer)
        {
            return true;
        }
        throw senderGoneException();
    }

    private void takeSlot(final long consumer)
    {
        txConsumer = consumer + 1;
        // Release: the sender that reads it (acquire) may reuse the IOrec slot.
        indexRelease(ring, TX_CONSUMER_OFFSET, consumer + 1);
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
        spi.registerPolled("register", waitset, handler, messageReady);
    }

    /** Read by a dispatching thread: loads only what the sender and the kernel publish, and this end's state. */
    private boolean messageReady()
    {
        return spi.closed || endOfStream ||
            (heldCount < bufferCount && indexAcquire(ring, TX_PRODUCER_OFFSET) != txConsumer) ||
            indexAcquire(ring, END_OF_STREAM_OFFSET) != 0 ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, true) != ChannelTableDescriptor.END_OPEN;
    }

    @Override
    public boolean deregister()
    {
        // Cancel, not deregister: the channel stays in the waitset's polled list, so that a receive's register and
        // cancel add and drop nothing (the list is copied on each change).
        return spi.ready.cancel();
    }

    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /**
     * {@inheritDoc} Pushes the buffer's FREE IOrec on the return ring, published with one release store.
     *
     * @throws ProtocolViolationException if the return ring is full, which only a sender that does not take returns
     *                                makes it.
     */
    @Override
    public void release(final Message message)
    {
        spi.enter("release");
        spi.checkDeliveredBy(message, this);
        final int buffer = (int)Flyweights.token(message);
        final int length = message.isHeld() ? message.length() : 0;
        Flyweights.end(message); // a message not held: BufferStateException, nothing changed
        held[buffer] = false;
        heldCount--;
        checkOpenAndWhole();
        pushReturn(buffer, length);
    }

    private void pushReturn(final int buffer, final int length)
    {
        if (slots - (returnProducer - returnConsumerCache) == 0)
        {
            final long consumer = indexAcquire(ring, RETURN_CONSUMER_OFFSET);
            if (consumer < returnConsumerCache || consumer > returnProducer)
            {
                throw breaks("the sender's return consumer index=" + consumer + " is not in [" +
                    returnConsumerCache + ", " + returnProducer + "]");
            }
            returnConsumerCache = consumer;
            if (slots - (returnProducer - consumer) == 0)
            {
                throw breaks("all " + slots + " returns sit untaken by the sender");
            }
        }
        putIoRec(ring, returnRing + (int)(returnProducer & slotMask) * IOREC_LENGTH, buffer * stride, length,
            FLAG_FREE);
        // Release: the sender that reads it (acquire) sees the IOrec, and every read of the buffer done.
        indexRelease(ring, RETURN_PRODUCER_OFFSET, ++returnProducer);
        counterRelease(header, RELEASES_OFFSET, returnProducer);
    }
}
