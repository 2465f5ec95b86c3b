package io.barge.core.machine;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.core.machine.ProcessChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * The sending end, and master, of an Rbufs channel between processes ({@link MachineClient#openRbufsSender(int)}):
 * {@link #tryClaim} hands out a writable view straight into a free buffer of the channel's data area (zero copy),
 * {@link #commit} pushes an IOrec {base, length} on the transmit ring, and the receiver's returns come back through
 * the return ring, in any order ({@link RbufsChannelDescriptor}'s protocol). One thread uses it; it allocates
 * nothing after it is opened.
 * <p>
 * The receiver is not trusted: its indices are copied once per read and validated, and each return is accepted only
 * for a buffer this end sent and has not had back, with the length it sent. A value no correct receiver writes
 * breaks the channel ({@link ChannelBrokenException}, now and on every later call).
 */
public final class ProcessRbufsSender extends ProcessRbufsEnd
{
    /** {@link #tryClaim} result: a buffer is claimed, its view is {@link #buffer()}. */
    public static final int OK = 0;
    /** {@link #tryClaim} result: every buffer is out; try again after the receiver has returned some. */
    public static final int BACK_PRESSURED = -1;

    private final RbufsSenderBuffers buffers;
    private final UnsafeBuffer claim = new UnsafeBuffer(0, 0);
    private int claimed = -1;
    private int claimedLength;
    // This end's counters (it is their one writer), stored to the header as they change.
    private long messagesSent;
    private long bytesSent;
    private long backPressured;

    ProcessRbufsSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer control, final AtomicBuffer data, final AtomicBuffer channelTable, final int slot)
    {
        super(client, channel, header, control, data, channelTable, slot, ControlProtocolDescriptor.END_SENDER,
            "sender");
        this.buffers = new RbufsSenderBuffers(bufferCount);
    }

    /**
     * @return the longest message: each buffer's size.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @return how many buffers the data area holds.
     */
    public int bufferCount()
    {
        return bufferCount;
    }

    /**
     * Claims a free buffer for a message of {@code length} bytes, taking back whatever the receiver returned first.
     * Allocates nothing.
     *
     * @param length the message's length, 0..{@link #maxMessageLength()}.
     * @return {@link #OK} ({@link #buffer()} is the claim) or {@link #BACK_PRESSURED}.
     * @throws IllegalArgumentException if {@code length} is out of range.
     * @throws IllegalStateException    if the sender is closed or a claim is open.
     * @throws ChannelBrokenException   if the receiver wrote an index or a return no correct receiver writes.
     * @throws PeerGoneException        if the receiver closed the channel or died, whether or not buffers are free
     *                                  (checked on every claim: one acquire load of its end word, which the kernel
     *                                  writes once); nothing is claimed.
     * @throws KernelGoneException      if every buffer is out and the kernel is gone (checked only then, at most every
     *                                  {@link #KERNEL_CHECK_INTERVAL_NS} ns).
     */
    public int tryClaim(final int length)
    {
        checkOpenAndWhole();
        if (claimed >= 0)
        {
            throw new IllegalStateException("channel " + channelId + ": a claim is open; commit or abort it first");
        }
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [0, maxMessageLength=" +
                maxMessageLength + "]");
        }
        checkReceiverThere();
        if (buffers.freeCount() <= bufferCount >> 1)
        {
            // Returns are read only once half the buffers are out: the receiver's return index then moves between
            // the cores once per batch of returns, not once per message, and a lie in it is still found while
            // buffers are left.
            buffers.takeReturns(this);
        }
        if (buffers.freeCount() == 0)
        {
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
            return BACK_PRESSURED;
        }
        final int buffer = buffers.claim();
        claimed = buffer;
        claimedLength = length;
        claim.wrap(data, buffer * stride, length);
        return OK;
    }

    /**
     * @return the open claim's bytes: a view of its buffer in the data area, {@code length} bytes long, valid until
     *         {@link #commit} or {@link #abort}.
     * @throws IllegalStateException if no claim is open.
     */
    public MutableDirectBuffer buffer()
    {
        checkClaimed();
        return claim;
    }

    /**
     * Sends the claimed buffer: its IOrec on the transmit ring, published with one release store.
     *
     * @throws IllegalStateException  if the sender is closed or no claim is open.
     * @throws ChannelBrokenException if the receiver broke the channel before, or the transmit ring is full, which
     *                                only a receiver that lies about its index makes it (at most {@code bufferCount}
     *                                buffers are ever out).
     * @throws PeerGoneException      if the receiver closed the channel or died since the claim: the claim is
     *                                aborted (its buffer free again), nothing is published or counted as sent.
     *                                Messages committed before and not yet received are not delivered: only the
     *                                receiver's counters say what was.
     */
    public void commit()
    {
        checkOpenAndWhole();
        checkClaimed();
        final PeerGoneException gone = receiverGone();
        if (gone != null)
        {
            abort(); // nothing published: the buffer is this end's again
            throw gone;
        }
        final int length = claimedLength;
        buffers.send(this, claimed, length);
        claimed = -1;
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
    }

    /**
     * Gives the claimed buffer back unsent.
     *
     * @throws IllegalStateException if no claim is open.
     */
    public void abort()
    {
        checkClaimed();
        buffers.abort(claimed);
        claimed = -1;
    }

    private void checkClaimed()
    {
        if (claimed < 0)
        {
            throw new IllegalStateException("channel " + channelId + ": no claim is open");
        }
    }

}
