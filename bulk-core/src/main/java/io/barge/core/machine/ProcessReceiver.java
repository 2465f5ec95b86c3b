package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.ProcessChannelDescriptor.*;

/**
 * The receiving end of a channel between processes ({@link MachineClient#openReceiver(int)}): delivers each committed
 * message as a view over its record in the ring, then frees it. One thread uses it. The sender is not trusted: each
 * record's length and type are copied once and validated (the consume protocol of {@link ProcessChannelDescriptor});
 * a header no correct sender writes breaks this channel only ({@link ChannelBrokenException}, now and on every later
 * poll). When the sender closed or died, the messages it committed are delivered first, then
 * {@link PeerGoneException}; when the kernel is gone, likewise, then {@link KernelGoneException}.
 * <p>
 * The view is shared memory the sender can still write: a handler that must trust the bytes copies them first.
 */
public final class ProcessReceiver extends ProcessChannelEnd
{
    /** Takes each message; the view is valid only during the call. */
    @FunctionalInterface
    public interface MessageHandler
    {
        /**
         * @param buffer the message's bytes (a view over the ring).
         * @param offset where they start.
         * @param length how many.
         */
        void onMessage(DirectBuffer buffer, int offset, int length);
    }

    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long head;
    // This end's counters (it is their one writer), stored to the header after each batch.
    private long messagesReceived;
    private long bytesReceived;

    ProcessReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer ring, final AtomicBuffer channelTable, final int slot)
    {
        super(client, channel, header, ring, channelTable, slot, ControlProtocolDescriptor.END_RECEIVER, "receiver");
    }

    /**
     * Delivers up to {@code limit} committed messages. Allocates nothing.
     *
     * @param handler takes each message.
     * @param limit   most messages delivered.
     * @return how many were delivered (0: none committed).
     * @throws IllegalStateException  if the receiver is closed.
     * @throws ChannelBrokenException if a record header breaks the protocol (now or before).
     * @throws PeerGoneException      if none is left and the sender closed the channel or died.
     * @throws KernelGoneException    if none is left and the kernel is gone (checked when a poll finds nothing, at
     *                                most every {@link #KERNEL_CHECK_INTERVAL_NS} ns; then on every empty poll).
     */
    public int poll(final MessageHandler handler, final int limit)
    {
        checkUsable();
        long head = this.head;
        int read = 0;
        try
        {
            while (read < limit)
            {
                final int index = (int)head & mask;
                final int length = lengthAcquire(ring, index);
                if (length == 0)
                {
                    if (read == 0 && senderGone(index))
                    {
                        continue; // a record committed before the sender went: deliver it
                    }
                    break;
                }
                final int type = type(ring, index);
                if (type == TYPE_PADDING)
                {
                    // A correct sender pads only from inside the ring to its end, so never twice in a row.
                    if (index == 0 || length != capacity - index)
                    {
                        throw breaks("padding at index=" + index + " has length=" + length + ", not " +
                            (capacity - index) + " to the ring's end");
                    }
                    head += length;
                    continue;
                }
                if (type == TYPE_END && length == RECORD_HEADER_LENGTH)
                {
                    head += RECORD_HEADER_LENGTH; // an SPI sender's finish(): this end has no end of stream to report
                    continue;
                }
                if (type != TYPE_MESSAGE)
                {
                    throw breaks("record at index=" + index + " has type=" + type + ", neither message (" +
                        TYPE_MESSAGE + ") nor padding (" + TYPE_PADDING + ")");
                }
                if (length < RECORD_HEADER_LENGTH || length > RECORD_HEADER_LENGTH + maxMessageLength ||
                    index + length > capacity)
                {
                    throw breaks("record at index=" + index + " has length=" + length + ", not in [" +
                        RECORD_HEADER_LENGTH + ", " + (RECORD_HEADER_LENGTH + maxMessageLength) + "] within " +
                        "the ring's " + capacity + " bytes");
                }
                head += BitUtil.align(length, RECORD_ALIGNMENT);
                read++;
                bytesReceived += length - RECORD_HEADER_LENGTH;
                view.wrap(ring, index + RECORD_HEADER_LENGTH, length - RECORD_HEADER_LENGTH);
                handler.onMessage(view, 0, length - RECORD_HEADER_LENGTH);
            }
        }
        finally
        {
            if (head != this.head)
            {
                this.head = head;
                consumerPositionRelease(header, head);
            }
            if (read > 0)
            {
                counterRelease(header, MESSAGES_RECEIVED_OFFSET, messagesReceived += read);
                counterRelease(header, BYTES_RECEIVED_OFFSET, bytesReceived);
            }
        }
        return read;
    }

    /**
     * @return whether the sender's end is closed or dead, or the kernel gone, with a record now at {@code index}
     *         (then true: deliver it); false while both are there; throws {@link PeerGoneException} or
     *         {@link KernelGoneException} if gone with none.
     */
    private boolean senderGone(final int index)
    {
        if (senderThere())
        {
            return false;
        }
        if (lengthAcquire(ring, index) != 0)
        {
            return true; // committed before the sender (or the kernel) went: deliver it
        }
        throw senderGoneException();
    }

    private void checkUsable()
    {
        checkOpenAndWhole();
        checkSenderNotGone();
    }
}
