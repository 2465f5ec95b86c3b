package io.barge.core.machine;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import static io.barge.core.machine.ProcessChannelDescriptor.*;

/**
 * The sending end of a channel between processes ({@link MachineClient#openSender(int)}): copies each message into
 * the channel's ring in the kernel's memory file ({@link ProcessChannelDescriptor}'s commit protocol). One thread
 * uses it. The receiver is not trusted: its position is copied once per read, validated, and a value no correct
 * receiver writes breaks the channel ({@link ChannelBrokenException}).
 */
public final class ProcessSender extends ProcessChannelEnd
{
    /** {@link #offer} result: the message is in the ring. */
    public static final int OK = 0;
    /** {@link #offer} result: the ring is full; try again after the receiver has read. */
    public static final int BACK_PRESSURED = -1;

    private long tail;
    private long headCache;
    // This end's counters (it is their one writer), stored to the header after each offer.
    private long messagesSent;
    private long bytesSent;
    private long backPressured;

    ProcessSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer ring, final AtomicBuffer channelTable, final int slot)
    {
        super(client, channel, header, ring, channelTable, slot, ControlProtocolDescriptor.END_SENDER, "sender");
    }

    /**
     * @return the longest message the channel takes.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * Copies a message into the ring and commits it. Allocates nothing.
     *
     * @param source the message's buffer.
     * @param offset where it starts.
     * @param length its length, 0..{@link #maxMessageLength()}.
     * @return {@link #OK} or {@link #BACK_PRESSURED}.
     * @throws IllegalArgumentException if {@code length} is out of range.
     * @throws IllegalStateException    if the sender is closed.
     * @throws ChannelBrokenException   if the receiver wrote a position no correct receiver writes (now or before).
     * @throws PeerGoneException        if the receiver closed the channel or died (checked on every offer: one
     *                                  acquire load of its end word, which the kernel writes once); nothing is
     *                                  written or counted. Messages committed before and not yet read are not
     *                                  delivered: only the receiver's counters say what was.
     * @throws KernelGoneException      if the ring is full and the kernel is gone (checked only then, at most every
     *                                  {@link #KERNEL_CHECK_INTERVAL_NS} ns).
     */
    public int offer(final DirectBuffer source, final int offset, final int length)
    {
        checkOpenAndWhole();
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [0, maxMessageLength=" +
                maxMessageLength + "]");
        }
        checkReceiverThere();
        final int recordLength = RECORD_HEADER_LENGTH + length;
        final int aligned = BitUtil.align(recordLength, RECORD_ALIGNMENT);
        final long tail = this.tail;
        int index = (int)tail & mask;
        final int padding = index + aligned > capacity ? capacity - index : 0;
        final long required = padding + aligned + RECORD_HEADER_LENGTH; // and the zeroed length word after it
        if (required > capacity - (tail - headCache) && required > capacity - (tail - readHead(tail)))
        {
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
            return BACK_PRESSURED;
        }
        if (padding > 0)
        {
            ring.putInt(index + TYPE_OFFSET, TYPE_PADDING);
            ring.putInt(LENGTH_OFFSET, 0); // the invariant at the record after the padding: index 0
            lengthRelease(ring, index, padding);
            index = 0;
        }
        ring.putInt(index + TYPE_OFFSET, TYPE_MESSAGE);
        ring.putBytes(index + RECORD_HEADER_LENGTH, source, offset, length);
        ring.putInt(((index + aligned) & mask) + LENGTH_OFFSET, 0); // free space (checked): the next commit's word
        lengthRelease(ring, index, recordLength);
        this.tail = tail + padding + aligned;
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
        return OK;
    }

    private long readHead(final long tail)
    {
        final long head = consumerPositionAcquire(header);
        if (head < headCache || head > tail || (head & (RECORD_ALIGNMENT - 1)) != 0)
        {
            broken = "channel " + channelId + ": the receiver's position=" + head + " is not in [" + headCache +
                ", " + tail + "] or not aligned to " + RECORD_ALIGNMENT;
            throw new ChannelBrokenException(broken);
        }
        headCache = head;
        return head;
    }
}
