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
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.barge.core.machine.ProcessChannelDescriptor.*;

/**
 * The transport SPI's {@link Receiver} over a ring channel between processes ({@link ProcessTransport}): each message
 * is a read-only view of its record's payload in the ring, held until {@link #release}; the receiver's position,
 * which frees the bytes for the sender, moves past a record once it and every record before it were released, so
 * releases may come in any order. Each record header is copied once and validated
 * ({@link ProcessChannelDescriptor}'s consume protocol); a header no correct sender writes breaks this channel
 * ({@link ProtocolViolationException}). An END record is the end of the stream. A sender that closed or died: what it
 * committed is delivered, then {@link PeerGoneException}. One thread; allocates nothing per message.
 * <p>
 * The bytes are shared memory the sender can still write: a receiver that must trust them copies them first.
 */
final class RingSpiReceiver extends ProcessChannelEnd implements Receiver, SpiEnd
{
    private final SpiEndState spi;
    private final int messageCapacity;
    /** Per held record, in ring order, a ring of messageCapacity: its end, and whether it was released. */
    private final long[] heldEnds;
    private final boolean[] released;
    private int heldFirst;
    private int heldCount;
    /** The next record to take (private); {@link #head} is the position published to the sender. */
    private long readPosition;
    private long head;
    private boolean endOfStream;
    private long messagesReceived;
    private long bytesReceived;
    private final Message flyweight = new Message();
    private final WaitingReceive waiting = new WaitingReceive(this);
    private final BooleanSupplier messageReady = this::messageReady;

    RingSpiReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi)
    {
        super(client, channel, views[0], views[1], channelTable, channel.slot,
            ControlProtocolDescriptor.END_RECEIVER, "receiver");
        this.spi = spi;
        this.messageCapacity = ProcessTransport.ringCapacity(capacity, maxMessageLength);
        this.heldEnds = new long[messageCapacity];
        this.released = new boolean[messageCapacity];
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
     * @throws ProtocolViolationException if a record header breaks the protocol (now or before).
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
        if (heldCount == messageCapacity)
        {
            return Status.BACK_PRESSURED;
        }
        while (true)
        {
            final int index = (int)readPosition & mask;
            final int length = lengthAcquire(ring, index);
            if (length == 0)
            {
                if (!committedAfterAll(index))
                {
                    return Status.EMPTY;
                }
                continue;
            }
            final int type = type(ring, index);
            if (type == TYPE_PADDING)
            {
                if (index == 0 || length != capacity - index)
                {
                    throw breaks("padding at index=" + index + " has length=" + length + ", not " +
                        (capacity - index) + " to the ring's end");
                }
                readPosition += length;
                publishIfNoneHeld();
                continue;
            }
            if (type == TYPE_END && length == RECORD_HEADER_LENGTH)
            {
                readPosition += RECORD_HEADER_LENGTH;
                endOfStream = true;
                return Status.END_OF_STREAM;
            }
            if (type != TYPE_MESSAGE || length < RECORD_HEADER_LENGTH ||
                length > RECORD_HEADER_LENGTH + maxMessageLength || index + length > capacity)
            {
                throw breaks("record at index=" + index + " {length=" + length + " type=" + type + "} is " +
                    "neither a message (" + TYPE_MESSAGE + ") of length in [" + RECORD_HEADER_LENGTH + ", " +
                    (RECORD_HEADER_LENGTH + maxMessageLength) + "] within the ring's " + capacity +
                    " bytes, padding (" + TYPE_PADDING + ") nor an end (" + TYPE_END + ")");
            }
            readPosition += BitUtil.align(length, RECORD_ALIGNMENT);
            final int slot = (heldFirst + heldCount) % messageCapacity;
            heldEnds[slot] = readPosition;
            released[slot] = false;
            heldCount++;
            final int payload = length - RECORD_HEADER_LENGTH;
            Flyweights.begin(into, this, spi.space, slot, this, false);
            Flyweights.addPiece(into, spi.base + index + RECORD_HEADER_LENGTH, payload);
            counterRelease(header, MESSAGES_RECEIVED_OFFSET, ++messagesReceived);
            counterRelease(header, BYTES_RECEIVED_OFFSET, bytesReceived += payload);
            return Status.OK;
        }
    }

    /** @return whether a record came after all; throws if the sender (or the kernel) is gone and none did. */
    private boolean committedAfterAll(final int index)
    {
        if (senderThere())
        {
            return false;
        }
        if (lengthAcquire(ring, index) != 0) // once more (see senderThere)
        {
            return true;
        }
        throw senderGoneException();
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
            (heldCount < messageCapacity && lengthAcquire(ring, (int)readPosition & mask) != 0) ||
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
     * {@inheritDoc} Once this and every record before it are released, the position moves past them (one release
     * store), and the sender may write there again.
     */
    @Override
    public void release(final Message message)
    {
        spi.enter("release");
        spi.checkDeliveredBy(message, this);
        final int slot = (int)Flyweights.token(message);
        Flyweights.end(message); // a message not held: BufferStateException, nothing changed
        released[slot] = true;
        long position = head;
        while (heldCount > 0 && released[heldFirst])
        {
            position = heldEnds[heldFirst];
            heldFirst = (heldFirst + 1) % messageCapacity;
            heldCount--;
        }
        if (heldCount == 0)
        {
            position = readPosition; // and any padding taken after the last record
        }
        if (position != head)
        {
            head = position;
            consumerPositionRelease(header, position);
        }
    }

    private void publishIfNoneHeld()
    {
        if (heldCount == 0)
        {
            head = readPosition;
            consumerPositionRelease(header, readPosition);
        }
    }
}
