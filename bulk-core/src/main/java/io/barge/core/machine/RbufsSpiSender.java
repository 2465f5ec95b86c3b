package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
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
 * writes breaks the channel ({@link ProtocolViolationException}). A receiver that closed or died is
 * {@link PeerGoneException} on the next claim, commit or finish. One thread; allocates nothing per message.
 */
class RbufsSpiSender extends ProcessRbufsEnd implements Sender, SpiEnd
{
    private final SpiEndState spi;
    private final RbufsSenderBuffers buffers;
    private int claims;
    private boolean finished;
    private long messagesSent;
    private long bytesSent;
    private long backPressured;
    private final Claim forwardClaim = new Claim();
    private final BooleanSupplier spaceReady = this::spaceReady;

    RbufsSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi)
    {
        this(client, channel, views, channelTable, spi, RbufsChannelDescriptor.stride(channel.maxMessageLength));
    }

    /** With the bytes from one buffer's start to the next given (an fbufs channel's runs). */
    RbufsSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int stride)
    {
        super(client, channel, views[0], views[1], views[2], channelTable, channel.slot,
            ControlProtocolDescriptor.END_SENDER, "sender", stride);
        this.spi = spi;
        this.buffers = new RbufsSenderBuffers(bufferCount);
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
     * @throws ProtocolViolationException if the receiver wrote an index or a return no correct receiver writes.
     */
    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        spi.enter("tryClaim");
        checkOpenAndWhole();
        spi.checkClaim(finished, length, maxMessageLength, claim);
        checkReceiverThere();
        if (buffers.freeCount() <= bufferCount >> 1)
        {
            buffers.takeReturns(this); // once half are out: the return index crosses the cores once per batch
        }
        if (buffers.freeCount() == 0)
        {
            if (kernelGoneWhenIdle())
            {
                throw kernelGoneException();
            }
            counterRelease(header, BACK_PRESSURED_OFFSET, ++backPressured);
            return Status.BACK_PRESSURED;
        }
        final int buffer = buffers.claim();
        claims++;
        Flyweights.wrap(claim, spi.space, spi.base + (long)buffer * stride, length, buffer, this);
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
        final int buffer = spi.claimed(claim, this, "commit");
        final PeerGoneException gone = receiverGone();
        if (gone != null)
        {
            giveBack(claim, buffer);
            throw gone;
        }
        final int length = claim.length(); // read at commit: a shrunk claim sends its new length
        buffers.send(this, buffer, length, describe(buffer, length));
        claims--;
        Flyweights.complete(claim);
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
    }

    @Override
    public void abort(final Claim claim)
    {
        spi.enter("abort");
        giveBack(claim, spi.claimed(claim, this, "abort"));
    }

    /**
     * Copies the message into a claimed buffer and commits it: another channel's buffers are in another data area,
     * so nothing can be handed on without a copy (no {@link io.barge.core.transport.Capability#ZERO_COPY_FORWARD}).
     */
    @Override
    public int forward(final Message message)
    {
        return spi.forwardByCopy(this, message, forwardClaim);
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
        if (finished)
        {
            return;
        }
        checkOpenAndWhole();
        spi.checkNoClaims(claims);
        checkReceiverThere();
        finished = true;
        // Release: a receiver that reads it (acquire) and then the producer index sees every IOrec before it.
        indexRelease(ring, END_OF_STREAM_OFFSET, buffers.txProducer() + 1);
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        spi.registerPolled("registerForSpace", waitset, handler, spaceReady);
    }

    /** Read by a dispatching thread: loads only what this end publishes or the peer and kernel write. */
    private boolean spaceReady()
    {
        return spi.closed || buffers.freeCount() > 0 ||
            indexAcquire(ring, RETURN_PRODUCER_OFFSET) != buffers.returnConsumer() ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, false) != ChannelTableDescriptor.END_OPEN;
    }

    /**
     * Called at commit, before the IOrec is written: what its last word carries. An Rbufs IOrec names the bytes
     * alone (0); an fbufs sender writes the message's aggregate into its run here and returns the root.
     *
     * @param buffer the claimed buffer (run).
     * @param length the message's length.
     * @return the IOrec's last word.
     */
    int describe(final int buffer, final int length)
    {
        return 0;
    }

    private void giveBack(final Claim claim, final int buffer)
    {
        buffers.abort(buffer);
        claims--;
        Flyweights.complete(claim);
    }
}
