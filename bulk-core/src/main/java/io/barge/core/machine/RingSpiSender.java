package io.barge.core.machine;

import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.util.function.BooleanSupplier;

import static io.barge.core.machine.ProcessChannelDescriptor.*;

/**
 * The transport SPI's {@link Sender} over a ring channel between processes ({@link ProcessTransport}): a claim is
 * the payload of the next record in the ring, written in place through {@link Claim#buffer()}, and {@link #commit}
 * publishes the record's length with one release store ({@link ProcessChannelDescriptor}'s commit protocol);
 * {@link #finish} writes an END record behind the messages. Records follow each other in the ring, so one claim is
 * active at a time (a second {@code tryClaim} before the commit or abort is an {@link IllegalStateException}).
 * <p>
 * Capacity, {@link ProcessTransport#ringCapacity}: the records committed and not yet given back by the receiver,
 * which moves its position past a record once it and every record before it were released. The sender keeps each
 * record's end privately and counts a record released once the receiver's position (copied once, validated) is past
 * it. The ring holds twice {@code capacity} of the longest records, so room in bytes never runs out first.
 * One thread; allocates nothing per message.
 */
final class RingSpiSender extends ProcessChannelEnd implements Sender, SpiEnd
{
    private final SpiEndState spi;
    private final int messageCapacity;
    /** The ends of the records committed and not yet known to be released, a ring of messageCapacity. */
    private final long[] ends;
    private int endsFirst;
    private int inFlight;
    private long tail;
    private long headCache;
    private boolean claimActive;
    private int claimIndex;
    private boolean finished;
    private long messagesSent;
    private long bytesSent;
    private long backPressured;
    private final Claim forwardClaim = new Claim();
    private final BooleanSupplier spaceReady = this::spaceReady;

    RingSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi)
    {
        super(client, channel, views[0], views[1], channelTable, channel.slot, ControlProtocolDescriptor.END_SENDER,
            "sender");
        this.spi = spi;
        this.messageCapacity = ProcessTransport.ringCapacity(capacity, maxMessageLength);
        this.ends = new long[messageCapacity];
    }

    @Override
    public SpiEndState spi()
    {
        return spi;
    }

    /**
     * @return the local domain standing for the kernel's sending domain in this process ({@link ClientMachineView}).
     */
    @Override
    public Domain domain()
    {
        return spi.domain;
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

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException  also if a claim of this sender is active (records follow each other).
     * @throws PeerGoneException      if the receiver closed the channel or died (nothing is claimed).
     * @throws KernelGoneException    if the ring is full and the kernel is gone.
     * @throws ProtocolViolationException if the receiver wrote a position no correct receiver writes.
     */
    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        spi.enter("tryClaim");
        checkOpenAndWhole();
        spi.checkClaim(finished, length, maxMessageLength, claim);
        if (claimActive)
        {
            throw new IllegalStateException(spi.transport + " tryClaim: a claim is active; a ring's records " +
                "follow each other, so commit or abort it first");
        }
        checkReceiverThere();
        final long tail = this.tail;
        int index = (int)tail & mask;
        final int aligned = BitUtil.align(RECORD_HEADER_LENGTH + length, RECORD_ALIGNMENT);
        final int padding = index + aligned > capacity ? capacity - index : 0;
        if (inFlight == messageCapacity && takeReleases() == messageCapacity ||
            !hasRoom(tail, padding + aligned + RECORD_HEADER_LENGTH))
        {
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
            return Status.BACK_PRESSURED;
        }
        if (padding > 0)
        {
            ring.putInt(index + TYPE_OFFSET, TYPE_PADDING);
            ring.putInt(LENGTH_OFFSET, 0); // the invariant at the record after the padding: index 0
            lengthRelease(ring, index, padding);
            this.tail = tail + padding;
            index = 0;
        }
        claimActive = true;
        claimIndex = index;
        Flyweights.wrap(claim, spi.space, spi.base + index + RECORD_HEADER_LENGTH, length, index, this);
        return Status.OK;
    }

    /**
     * {@inheritDoc}
     *
     * @throws PeerGoneException if the receiver went since the claim: the claim is aborted, nothing published.
     */
    @Override
    public void commit(final Claim claim)
    {
        spi.enter("commit");
        checkOpenAndWhole();
        checkClaim(claim, "commit");
        final PeerGoneException gone = receiverGone();
        if (gone != null)
        {
            claimActive = false;
            Flyweights.complete(claim);
            throw gone;
        }
        final int index = claimIndex;
        final int length = claim.length(); // read at commit: a shrunk claim sends its new length
        final int recordLength = RECORD_HEADER_LENGTH + length;
        final int aligned = BitUtil.align(recordLength, RECORD_ALIGNMENT);
        ring.putInt(index + TYPE_OFFSET, TYPE_MESSAGE);
        ring.putInt(((index + aligned) & mask) + LENGTH_OFFSET, 0); // free space: the next commit's word
        lengthRelease(ring, index, recordLength);
        tail += aligned;
        ends[(endsFirst + inFlight) % messageCapacity] = tail;
        inFlight++;
        claimActive = false;
        Flyweights.complete(claim);
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
    }

    @Override
    public void abort(final Claim claim)
    {
        spi.enter("abort");
        checkClaim(claim, "abort");
        claimActive = false; // nothing was written at the record: its length word still reads 0
        Flyweights.complete(claim);
    }

    /** Copies the message into the next record: the ring is this channel's own, so nothing is handed on. */
    @Override
    public int forward(final Message message)
    {
        return spi.forwardByCopy(this, message, forwardClaim);
    }

    /**
     * {@inheritDoc} The END record takes a header's bytes, not a message's place: with the ring full of unreleased
     * records this waits (a {@code BackoffIdleStrategy}, outside the end's gate) for the receiver to release one.
     *
     * @throws PeerGoneException if the receiver closed the channel or died.
     */
    @Override
    public void finish()
    {
        BackoffIdleStrategy idle = null;
        while (true)
        {
            spi.enter("finish");
            if (finished)
            {
                return;
            }
            checkOpenAndWhole();
            if (claimActive)
            {
                throw new IllegalStateException(spi.transport + " finish: a claim is still active; commit or " +
                    "abort it first");
            }
            checkReceiverThere();
            final long tail = this.tail;
            if (hasRoom(tail, 2 * RECORD_HEADER_LENGTH))
            {
                final int index = (int)tail & mask;
                ring.putInt(index + TYPE_OFFSET, TYPE_END);
                ring.putInt(((index + RECORD_HEADER_LENGTH) & mask) + LENGTH_OFFSET, 0);
                lengthRelease(ring, index, RECORD_HEADER_LENGTH);
                this.tail = tail + RECORD_HEADER_LENGTH;
                finished = true;
                return;
            }
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            if (idle == null)
            {
                idle = new BackoffIdleStrategy(); // only when the ring is full: finish is not on the message path
            }
            idle.idle();
        }
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        spi.registerPolled("registerForSpace", waitset, handler, spaceReady);
    }

    /** Read by a dispatching thread: loads only what the receiver and the kernel publish, and this end's state. */
    private boolean spaceReady()
    {
        return spi.closed || inFlight < messageCapacity || consumerPositionAcquire(header) != headCache ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, false) != ChannelTableDescriptor.END_OPEN;
    }

    private void checkClaim(final Claim claim, final String call)
    {
        if (!claimActive || !claim.isActive() || Flyweights.attachment(claim) != this)
        {
            throw new BufferStateException(spi.transport + " " + call + ": the claim is not this sender's active " +
                "claim");
        }
    }

    /** @return whether {@code required} bytes are free past {@code tail}, reading the receiver's position if not. */
    private boolean hasRoom(final long tail, final long required)
    {
        return required <= capacity - (tail - headCache) || required <= capacity - (tail - readHead(tail));
    }

    /** @return records still in flight after counting those the receiver's position has passed. */
    private int takeReleases()
    {
        final long head = readHead(tail);
        while (inFlight > 0 && ends[endsFirst] <= head)
        {
            endsFirst = (endsFirst + 1) % messageCapacity;
            inFlight--;
        }
        return inFlight;
    }

    private long readHead(final long tail)
    {
        final long head = consumerPositionAcquire(header);
        if (head < headCache || head > tail || (head & (RECORD_ALIGNMENT - 1)) != 0)
        {
            throw breaks("the receiver's position=" + head + " is not in [" + headCache + ", " + tail +
                "] or not aligned to " + RECORD_ALIGNMENT);
        }
        headCache = head;
        return head;
    }
}
