package io.barge.core.machine;

import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import org.agrona.concurrent.AtomicBuffer;

import java.util.function.BooleanSupplier;

import static io.barge.core.machine.ProcessChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;

/**
 * The transport SPI's {@link Sender} over an Rbufs channel between processes ({@link ProcessTransport}): each claim
 * is a buffer of the data area, {@link Claim#buffer()} a view straight onto it (zero copy), as many claims active at
 * once as there are buffers; {@link #commit} pushes its IOrec, {@link #finish} stores the end-of-stream word
 * behind the messages ({@link RbufsChannelDescriptor#END_OF_STREAM_OFFSET}). Capacity is the channel's buffer count. The receiver is not trusted, as
 * for {@link ProcessRbufsSender}: its indices and returns are copied once and validated; a value no correct receiver
 * writes breaks the channel ({@link ChannelBrokenException}). A receiver that closed or died is
 * {@link PeerGoneException} on the next claim, commit or finish. One thread; allocates nothing per message.
 */
final class RbufsSpiSender extends ProcessRbufsEnd implements Sender, SpiEnd
{
    private static final int FREE = -1;
    private static final int CLAIMED = -2;

    private final SpiEndState spi;
    /** Per buffer: FREE, CLAIMED, or the length it was sent with (out with the receiver). */
    private final int[] state;
    /** Free buffers, a stack: the one returned last is reused first, while its lines are warm. */
    private final int[] free;
    private int freeCount;
    private int claims;
    private boolean finished;
    private long txProducer;
    private long txConsumerCache;
    private long returnConsumer;
    private long messagesSent;
    private long bytesSent;
    private long backPressured;
    private long returns;
    private final Claim forwardClaim = new Claim();
    private final BooleanSupplier spaceReady = this::spaceReady;

    RbufsSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi)
    {
        super(client, channel, views[0], views[1], views[2], channelTable, channel.slot,
            ControlProtocolDescriptor.END_SENDER, "sender");
        this.spi = spi;
        this.state = new int[bufferCount];
        this.free = new int[bufferCount];
        for (int i = 0; i < bufferCount; i++)
        {
            state[i] = FREE;
            free[i] = bufferCount - 1 - i;
        }
        this.freeCount = bufferCount;
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
     * @throws PeerGoneException      if the receiver closed the channel or died (nothing is claimed).
     * @throws KernelGoneException    if every buffer is out and the kernel is gone.
     * @throws ChannelBrokenException if the receiver wrote an index or a return no correct receiver writes.
     */
    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        spi.enter("tryClaim");
        try
        {
            checkOpenAndWhole();
            if (finished || length < 1 || length > maxMessageLength)
            {
                // Only here, off the message path: the messages name the transport and the call.
                EndSupport.checkNotFinished(spi.transport + " tryClaim", finished);
                EndSupport.checkLength(spi.transport + " tryClaim", length, maxMessageLength);
            }
            Flyweights.checkClaimable(claim, length, maxMessageLength);
            checkReceiverThere();
            if (freeCount <= bufferCount >> 1)
            {
                takeReturns(); // once half are out: the return index crosses the cores once per batch
            }
            if (freeCount == 0)
            {
                if (kernelGoneWhenIdle())
                {
                    throw kernelGoneException();
                }
                counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
                return Status.BACK_PRESSURED;
            }
            final int buffer = free[--freeCount];
            state[buffer] = CLAIMED;
            claims++;
            Flyweights.wrap(claim, spi.space, spi.base + (long)buffer * stride, length, buffer, this);
            return Status.OK;
        }
        finally
        {
            spi.leave();
        }
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
        try
        {
            checkOpenAndWhole();
            final int buffer = claimed(claim, "commit");
            final PeerGoneException gone = receiverGone();
            if (gone != null)
            {
                giveBack(claim, buffer);
                throw gone;
            }
            final long producer = txProducer;
            checkTransmitRoom(producer);
            final int length = claim.length(); // read at commit: a shrunk claim sends its new length
            putIoRec(ring, TX_RING_OFFSET + (int)(producer & slotMask) * IOREC_LENGTH, buffer * stride, length,
                FLAG_DATA);
            state[buffer] = length;
            claims--;
            Flyweights.complete(claim);
            txProducer = producer + 1;
            // Release: a receiver that reads it (acquire) sees the IOrec and every byte written through the claim.
            indexRelease(ring, TX_PRODUCER_OFFSET, producer + 1);
            counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
            counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
        }
        finally
        {
            spi.leave();
        }
    }

    @Override
    public void abort(final Claim claim)
    {
        spi.enter("abort");
        try
        {
            giveBack(claim, claimed(claim, "abort"));
        }
        finally
        {
            spi.leave();
        }
    }

    /**
     * Copies the message into a claimed buffer and commits it: another channel's buffers are in another data area,
     * so nothing can be handed on without a copy (no {@link io.barge.core.transport.Capability#ZERO_COPY_FORWARD}).
     */
    @Override
    public int forward(final Message message)
    {
        if (!message.isHeld())
        {
            throw new BufferStateException(spi.transport + " forward: the message is not held");
        }
        if (message.source().domain() != spi.domain)
        {
            throw new IllegalArgumentException(spi.transport + " forward: the message was received by domain " +
                message.source().domain().name() + ", not this sender's " + spi.domain.name());
        }
        final int status = tryClaim(message.length(), forwardClaim);
        if (status != Status.OK)
        {
            return status;
        }
        int at = 0;
        for (int i = 0, n = message.pieceCount(); i < n; i++)
        {
            final int piece = message.pieceLength(i);
            forwardClaim.buffer().putBytes(at, message.buffer(i), 0, piece);
            at += piece;
        }
        commit(forwardClaim);
        message.source().release(message);
        return Status.OK;
    }

    /**
     * {@inheritDoc} The end is the control area's end-of-stream word ({@link RbufsChannelDescriptor#END_OF_STREAM_OFFSET}),
     * not an IOrec, so it needs no slot a message holds.
     *
     * @throws PeerGoneException if the receiver closed the channel or died.
     */
    @Override
    public void finish()
    {
        spi.enter("finish");
        try
        {
            if (finished)
            {
                return;
            }
            checkOpenAndWhole();
            if (claims > 0)
            {
                throw new IllegalStateException(spi.transport + " finish: " + claims + " claim(s) still active; " +
                    "commit or abort them first");
            }
            checkReceiverThere();
            finished = true;
            // Release: a receiver that reads it (acquire) and then the producer index sees every IOrec before it.
            indexRelease(ring, END_OF_STREAM_OFFSET, txProducer + 1);
        }
        finally
        {
            spi.leave();
        }
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        spi.enter("registerForSpace");
        try
        {
            spi.ready.registerPolled(waitset, handler, spaceReady);
        }
        finally
        {
            spi.leave();
        }
    }

    /** Read by a dispatching thread: loads only what this end publishes or the peer and kernel write. */
    private boolean spaceReady()
    {
        return spi.closed || freeCount > 0 ||
            indexAcquire(ring, RETURN_PRODUCER_OFFSET) != returnConsumer ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, false) != ChannelTableDescriptor.END_OPEN;
    }

    private int claimed(final Claim claim, final String call)
    {
        if (!claim.isActive() || Flyweights.attachment(claim) != this)
        {
            throw new BufferStateException(spi.transport + " " + call + ": the claim is not an active claim of " +
                "this sender");
        }
        return (int)Flyweights.token(claim);
    }

    private void giveBack(final Claim claim, final int buffer)
    {
        state[buffer] = FREE;
        free[freeCount++] = buffer;
        claims--;
        Flyweights.complete(claim);
    }

    private void checkTransmitRoom(final long producer)
    {
        if (producer - txConsumerCache >= slots && producer - readTransmitConsumer(producer) >= slots)
        {
            throw breaks("the transmit ring's " + slots + " IOrecs are all untaken, yet only " +
                (bufferCount - freeCount) + " buffers are out");
        }
    }

    private long readTransmitConsumer(final long producer)
    {
        final long consumer = indexAcquire(ring, TX_CONSUMER_OFFSET);
        if (consumer < txConsumerCache || consumer > producer)
        {
            throw breaks("the receiver's transmit consumer index=" + consumer + " is not in [" + txConsumerCache +
                ", " + producer + "]");
        }
        txConsumerCache = consumer;
        return consumer;
    }

    /** Takes back every buffer the receiver returned since the last look, each checked against what was sent. */
    private void takeReturns()
    {
        final long consumer = returnConsumer;
        final long producer = indexAcquire(ring, RETURN_PRODUCER_OFFSET);
        if (producer == consumer)
        {
            return;
        }
        if (producer < consumer || producer - consumer > slots)
        {
            throw breaks("the receiver's return producer index=" + producer + " is not in [" + consumer + ", " +
                (consumer + slots) + "]");
        }
        long taken = consumer;
        try
        {
            for (; taken < producer; taken++)
            {
                final int offset = returnRing + (int)(taken & slotMask) * IOREC_LENGTH;
                // Copied once, then checked: the receiver can rewrite the slot meanwhile.
                final int base = ring.getInt(offset + BASE_OFFSET);
                final int length = ring.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET);
                final int flags = ring.getInt(offset + FLAGS_OFFSET);
                final int buffer = base / stride;
                if (flags != FLAG_FREE || base < 0 || base % stride != 0 || buffer >= bufferCount ||
                    state[buffer] < 0 || state[buffer] != length)
                {
                    throw breaks("return " + taken + " {base=" + base + " length=" + length + " flags=" + flags +
                        "} is not a FREE IOrec of a buffer out with the receiver with the length it was sent with");
                }
                state[buffer] = FREE;
                free[freeCount++] = buffer;
            }
        }
        finally
        {
            if (taken != consumer)
            {
                returnConsumer = taken;
                // Release: the receiver that reads it (acquire) may reuse the return slots before it.
                indexRelease(ring, RETURN_CONSUMER_OFFSET, taken);
                counterRelease(header, RETURNS_OFFSET, returns += taken - consumer);
            }
        }
    }
}
