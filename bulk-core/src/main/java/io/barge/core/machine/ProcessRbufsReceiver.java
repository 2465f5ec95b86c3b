package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.ProcessChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * The receiving end of an Rbufs channel between processes ({@link MachineClient#openRbufsReceiver(int)}): delivers
 * each message as a read-only view of its buffer in the channel's data area, in place (zero copy; the data area is
 * mapped read-only in this process), and releases it automatically once the handler returns: after each batch the
 * buffers go back to the sender through the return ring ({@link RbufsChannelDescriptor}'s protocol). One thread uses
 * it; it allocates nothing after it is opened.
 * <p>
 * The sender is not trusted: its index and each IOrec are copied once and validated (base a buffer's start inside
 * the data area, length at most the longest message); a value no correct sender writes breaks this channel only
 * ({@link ChannelBrokenException}, now and on every later poll). When the sender closed or died, the messages it
 * committed are delivered first, then {@link PeerGoneException}; when the kernel is gone, likewise, then
 * {@link KernelGoneException}.
 * <p>
 * The view is shared memory the sender can still write: a handler that must trust the bytes copies them first.
 */
public final class ProcessRbufsReceiver extends ProcessRbufsEnd
{
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long txConsumer;
    private long txProducerCache;
    private long returnProducer;
    private long returnConsumerCache;
    // This end's counters (it is their one writer), stored to the header after each batch.
    private long messagesReceived;
    private long bytesReceived;

    ProcessRbufsReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer control, final AtomicBuffer data, final AtomicBuffer channelTable, final int slot)
    {
        super(client, channel, header, control, data, channelTable, slot, ControlProtocolDescriptor.END_RECEIVER,
            "receiver");
    }

    /**
     * Delivers up to {@code limit} committed messages, each released (its buffer returned to the sender) once the
     * handler returns, or throws. Allocates nothing.
     *
     * @param handler takes each message; the view is valid only during the call.
     * @param limit   most messages delivered.
     * @return how many were delivered (0: none committed).
     * @throws IllegalStateException  if the receiver is closed.
     * @throws ChannelBrokenException if the sender broke the protocol (now or before).
     * @throws PeerGoneException      if none is left and the sender closed the channel or died.
     * @throws KernelGoneException    if none is left and the kernel is gone (checked when a poll finds nothing, at
     *                                most every {@link #KERNEL_CHECK_INTERVAL_NS} ns; then on every empty poll).
     */
    public int poll(final ProcessReceiver.MessageHandler handler, final int limit)
    {
        checkUsable();
        final long consumer = txConsumer;
        // The sender's index is read only once the IOrecs it last showed are taken: its line moves between the
        // cores once per batch, not once per message (the acquire that read it covers every IOrec below it).
        long available = txProducerCache - consumer;
        if (available == 0)
        {
            txProducerCache = readTxProducer(consumer);
            available = txProducerCache - consumer;
        }
        if (available == 0)
        {
            if (senderThere())
            {
                return 0;
            }
            // Look once more (see senderThere): what the sender committed before it went is delivered first.
            txProducerCache = readTxProducer(consumer);
            available = txProducerCache - consumer;
            if (available == 0)
            {
                throw senderGoneException();
            }
        }
        final int batch = (int)Math.min(Math.min(limit, available), returnRoom());
        int read = 0;
        try
        {
            while (read < batch)
            {
                final int offset = TX_RING_OFFSET + (int)((consumer + read) & slotMask) * IOREC_LENGTH;
                // Copied once, then checked: the sender can rewrite the slot meanwhile.
                final int base = ring.getInt(offset + BASE_OFFSET);
                final int length = ring.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET);
                final int flags = ring.getInt(offset + FLAGS_OFFSET);
                if (flags != FLAG_DATA || base < 0 || base % stride != 0 || base / stride >= bufferCount ||
                    length < 0 || length > maxMessageLength)
                {
                    throw breaks("IOrec " + (consumer + read) + " {base=" + base + " length=" + length + " flags=" +
                        flags + "} is not a DATA IOrec (" + FLAG_DATA + ") of a buffer's start (a multiple of " +
                        stride + " below " + bufferCount * stride + ") with length in [0, " + maxMessageLength + "]");
                }
                // The return is written now, seen by the sender only once the batch's return index is released.
                putIoRec(ring, returnRing + (int)((returnProducer + read) & slotMask) * IOREC_LENGTH, base, length,
                    FLAG_FREE);
                read++;
                bytesReceived += length;
                view.wrap(data, base, length);
                handler.onMessage(view, 0, length);
            }
        }
        finally
        {
            if (read > 0)
            {
                txConsumer = consumer + read;
                // Release: the sender that reads it (acquire) may reuse these IOrec slots. Before the returns: a
                // buffer the sender gets back never finds its transmit slot still taken.
                indexRelease(ring, TX_CONSUMER_OFFSET, txConsumer);
                returnProducer += read;
                // Release: the sender that reads it (acquire) sees the return IOrecs, and every read of the buffers
                // by the handler done: it may write them again.
                indexRelease(ring, RETURN_PRODUCER_OFFSET, returnProducer);
                counterRelease(header, MESSAGES_RECEIVED_OFFSET, messagesReceived += read);
                counterRelease(header, BYTES_RECEIVED_OFFSET, bytesReceived);
                counterRelease(header, RELEASES_OFFSET, messagesReceived);
            }
        }
        return read;
    }

    /** @return free return slots (at least one: a sender that lets the return ring fill yet sends is broken). */
    private long returnRoom()
    {
        long room = slots - (returnProducer - returnConsumerCache);
        if (room == 0)
        {
            final long consumer = indexAcquire(ring, RETURN_CONSUMER_OFFSET);
            if (consumer < returnConsumerCache || consumer > returnProducer)
            {
                throw breaks("the sender's return consumer index=" + consumer + " is not in [" +
                    returnConsumerCache + ", " + returnProducer + "]");
            }
            returnConsumerCache = consumer;
            room = slots - (returnProducer - consumer);
            if (room == 0)
            {
                throw breaks("the sender sent more buffers while all " + slots + " returns sit untaken (the data " +
                    "area holds " + bufferCount + ")");
            }
        }
        return room;
    }

    private void checkUsable()
    {
        checkOpenAndWhole();
        checkSenderNotGone();
    }
}
