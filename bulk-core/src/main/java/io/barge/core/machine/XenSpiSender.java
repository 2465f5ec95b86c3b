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
import static io.barge.core.machine.XenChannelDescriptor.*;

/**
 * The front end of a Xen channel between processes ({@link XenChannelDescriptor}), the transport SPI's
 * {@link Sender}: a pool of buffers of whole pages; a claim is a view straight onto a free buffer's pages (zero copy);
 * a commit pushes a request naming the message's pages by grant reference, offset and length, with Xen's
 * notification check; the response to it gives the buffer back. In persistent mode every pool page is granted to
 * the back end's domain once, here at open (the GTF discipline of {@link XenChannelDescriptor#grant}); in copy mode
 * a commit grants the message's pages and the response ends those grants (a grant still in use then means the back
 * end answered before the kernel's copy was done: a violation). Capacity is the pool's buffer count; the ring has a
 * slot per buffer, so it never overflows while both ends are correct.
 * <p>
 * The back end is not trusted: rsp_prod and each response are copied once and validated (rsp_prod at most the
 * requests in flight ahead; the id a buffer in flight), and a value no correct back end writes breaks the channel
 * ({@link ProtocolViolationException}). A receiver that closed or died is {@link PeerGoneException} on the next
 * claim, commit or finish. {@link #finish} stores the end-of-stream word behind the requests. One thread; nothing
 * is allocated per message. Grants are not ended at close: the channel's frames, grant table included, go back to
 * the kernel once both ends are gone, and the kernel undoes the back end's maps then.
 */
final class XenSpiSender extends ProcessXenEnd implements Sender, SpiEnd
{
    private static final int FREE = -1;
    private static final int CLAIMED = -2;

    private final SpiEndState spi;
    /** The pool's first frame in the memory file: the frame a grant of pool page k names is this + k. */
    final int poolFrame;
    /** Per buffer: FREE, CLAIMED, or the pages its request named (in flight). */
    private final int[] state;
    private final int[] free;
    private int freeCount;
    private int claims;
    private boolean finished;
    private int reqProdPvt;
    private int rspCons;
    /** Requests pushed, the count the end-of-stream word names. */
    private long pushed;
    private long messagesSent;
    private long bytesSent;
    private long backPressured;
    private long notified;
    /** The rsp_event this end stored last (it is the only writer). */
    private int rspEventAsked = 1;
    private final Claim forwardClaim = new Claim();
    private final BooleanSupplier spaceReady = this::spaceReady;

    XenSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int frameSize, final int poolFrame)
    {
        super(client, channel, views, channelTable, frameSize, ControlProtocolDescriptor.END_SENDER, "sender");
        this.spi = spi;
        this.poolFrame = poolFrame;
        this.state = new int[bufferCount];
        this.free = new int[bufferCount];
        for (int i = 0; i < bufferCount; i++)
        {
            state[i] = FREE;
            free[i] = bufferCount - 1 - i; // buffer 0 on top
        }
        this.freeCount = bufferCount;
        if (mode == MODE_PERSISTENT)
        {
            for (int page = 0; page < poolPages; page++)
            {
                grant(table, entryOffset(FIRST_REF + page), receiverDomain, poolFrame + page);
            }
        }
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
     * @throws PeerGoneException          if the receiver closed the channel or died (nothing is claimed).
     * @throws KernelGoneException        if every buffer is out and the kernel is gone.
     * @throws ProtocolViolationException if the back end wrote a response no correct back end writes.
     */
    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        spi.enter("tryClaim");
        checkOpenAndWhole();
        spi.checkClaim(finished, length, maxMessageLength, claim);
        checkReceiverThere();
        if (freeCount <= bufferCount >> 1)
        {
            takeResponses(); // once half are out: rsp_prod crosses the cores once per batch
        }
        if (freeCount == 0 && rspEventAsked != rspCons + 1)
        {
            // RING_FINAL_CHECK_FOR_RESPONSES, once per wait: ask for the next response, then look again.
            rspEventAsked = rspCons + 1;
            askToBeNotified(ring, RSP_EVENT_OFFSET, rspEventAsked);
            takeResponses();
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
        push(buffer, length);
        claims--;
        Flyweights.complete(claim);
        counterRelease(header, MESSAGES_SENT_OFFSET, ++messagesSent);
        counterRelease(header, BYTES_SENT_OFFSET, bytesSent += length);
    }

    /** Grants the message's pages (copy mode), writes its request and pushes it with the notification check. */
    private void push(final int buffer, final int length)
    {
        final int pages = (length + frameSize - 1) / frameSize;
        final int slot = slotOffset(reqProdPvt, slotMask);
        final int firstRef = FIRST_REF + buffer * pagesPerBuffer;
        for (int page = 0; page < pages; page++)
        {
            final int ref = firstRef + page;
            if (mode == MODE_COPY)
            {
                grant(table, entryOffset(ref), receiverDomain, poolFrame + ref - FIRST_REF);
            }
            putSegment(ring, segmentOffset(slot, page), ref, 0, Math.min(frameSize, length - page * frameSize));
        }
        putRequest(ring, slot, buffer, length, pages);
        state[buffer] = pages;
        final int old = reqProdPvt;
        reqProdPvt = old + 1;
        pushed++;
        // Release: a back end that reads req_prod (acquire) sees the request, its grants and the message's bytes.
        indexRelease(ring, REQ_PROD_OFFSET, reqProdPvt);
        if (pushNeedsNotify(ring, REQ_EVENT_OFFSET, old, reqProdPvt))
        {
            wordRelease(ring, REQ_NOTIFIED_OFFSET, ++notified); // polled: the notification is this count
        }
    }

    /**
     * Takes every response the back end pushed since the last look, each checked against the requests in flight.
     */
    private void takeResponses()
    {
        final int producer = indexAcquire(ring, RSP_PROD_OFFSET);
        final int consumer = rspCons;
        if (producer == consumer)
        {
            return;
        }
        if (Integer.compareUnsigned(producer - consumer, reqProdPvt - consumer) > 0)
        {
            throw breaks("the back end's rsp_prod=" + producer + " is not in [" + consumer + ", " + reqProdPvt +
                "] (responses to requests never pushed)");
        }
        for (int index = consumer; index != producer; index++)
        {
            // Copied once (one word: id and status), then checked: the back end can rewrite the slot meanwhile.
            final long word = ring.getLong(slotOffset(index, slotMask) + ID_OFFSET);
            final int id = (int)word;
            if (id < 0 || id >= bufferCount || state[id] < 0)
            {
                rspCons = index;
                throw breaks("response " + index + " names request id=" + id + ", which is not in flight (" +
                    (id < 0 || id >= bufferCount ? "not in [0, " + bufferCount + ")" : state[id] == FREE ?
                    "answered already, or never sent" : "claimed, not sent") + ")");
            }
            if (mode == MODE_COPY)
            {
                endGrants(id, index);
            }
            state[id] = FREE;
            free[freeCount++] = id;
        }
        rspCons = producer;
    }

    private void endGrants(final int id, final int index)
    {
        final int firstRef = FIRST_REF + id * pagesPerBuffer;
        for (int page = 0, pages = state[id]; page < pages; page++)
        {
            if (!endAccess(table, entryOffset(firstRef + page), receiverDomain))
            {
                rspCons = index;
                throw breaks("response " + index + " answers request id=" + id + " while its grant ref=" +
                    (firstRef + page) + " is still in use (status=0x" +
                    Long.toHexString(statusAcquire(table, entryOffset(firstRef + page))) + ")");
            }
        }
    }

    @Override
    public void abort(final Claim claim)
    {
        spi.enter("abort");
        giveBack(claim, spi.claimed(claim, this, "abort"));
    }

    /**
     * Copies the message into a claimed buffer and commits it: another channel's pages are granted to another back
     * end, so nothing can be handed on without a copy (no {@link io.barge.core.transport.Capability#ZERO_COPY_FORWARD}).
     */
    @Override
    public int forward(final Message message)
    {
        return spi.forwardByCopy(this, message, forwardClaim);
    }

    /**
     * {@inheritDoc} The end is the ring's end-of-stream word ({@link XenChannelDescriptor#END_OF_STREAM_OFFSET}), not
     * a request, so it needs no slot a message holds.
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
        // Release: a back end that reads it (acquire) and then req_prod sees every request before it.
        wordRelease(ring, END_OF_STREAM_OFFSET, pushed + 1);
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        spi.registerPolled("registerForSpace", waitset, handler, spaceReady);
    }

    /** Read by a dispatching thread: loads only what this end publishes or the peer and kernel write. */
    private boolean spaceReady()
    {
        return spi.closed || freeCount > 0 || indexAcquire(ring, RSP_PROD_OFFSET) != rspCons ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, false) != ChannelTableDescriptor.END_OPEN;
    }

    private void giveBack(final Claim claim, final int buffer)
    {
        state[buffer] = FREE;
        free[freeCount++] = buffer;
        claims--;
        Flyweights.complete(claim);
    }
}
