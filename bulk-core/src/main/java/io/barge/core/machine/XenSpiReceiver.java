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
import static io.barge.core.machine.XenChannelDescriptor.*;

/**
 * The back end of a Xen channel between processes ({@link XenChannelDescriptor}), the transport SPI's
 * {@link Receiver}: it copies each request once ({@code RING_COPY_REQUEST}: the header's four words and each
 * segment's one word), validates the copy (the id a buffer of the pool not in flight here, flags 0, the length in
 * {@code [1, maxMessageLength]}, 1 to pagesPerBuffer segments, each reference in the grant table, each segment inside
 * its page, the lengths adding up), and only then reaches the pages through the kernel's grant operations (GRANT_OP,
 * {@link XenGrantOps}), which check the grant itself (granted to this domain, read-only, the reference's pool page):
 * <ul>
 *   <li>persistent mode: a reference seen for the first time is mapped (one command for the request's new ones) and
 *       stays mapped; the message is a read-only view of the pool pages in place (adjacent segments one piece);
 *       after the first use of every page nothing goes to the kernel per message.</li>
 *   <li>copy mode: the kernel grant-copies the segments into this end's copy buffer of the request's id, and the
 *       message is a view of that copy, which the front end cannot reach (a command per message).</li>
 * </ul>
 * {@link #release} pushes the response that frees the request, with Xen's notification check; releases may come in
 * any order. A request that breaks a rule, or a grant the kernel refuses, breaks the channel
 * ({@link ProtocolViolationException}, that channel only). The end-of-stream word ends the stream once every request
 * before it was consumed. A sender that closed or died: what it pushed is delivered, then {@link PeerGoneException}.
 * One thread; in persistent mode nothing is allocated per message (copy mode's command may).
 * <p>
 * In persistent mode the bytes are shared memory the front end can still write: a receiver that must trust them
 * copies them first (or uses copy mode).
 */
final class XenSpiReceiver extends ProcessXenEnd implements Receiver, SpiEnd
{
    private final SpiEndState spi;
    private final boolean[] held;
    /** Persistent mode: per reference, whether the kernel mapped it for this end. */
    private final boolean[] mapped;
    /** The request in hand's segment words, copied once. */
    private final long[] segments = new long[MAX_SEGMENTS];
    /** The request in hand's references not mapped yet (persistent mode). */
    private final long[] toMap = new long[MAX_SEGMENTS];
    private int heldCount;
    private boolean endOfStream;
    private int reqCons;
    private int reqProdCache;
    private int rspProdPvt;
    /** The req_event this end stored last (it is the only writer). */
    private int reqEventAsked = 1;
    /** Message requests consumed: what the end-of-stream word must name. */
    private long consumed;
    private long messagesReceived;
    private long bytesReceived;
    private long notified;
    private final Message flyweight = new Message();
    private final WaitingReceive waiting = new WaitingReceive(this);
    private final BooleanSupplier messageReady = this::messageReady;

    XenSpiReceiver(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int frameSize)
    {
        super(client, channel, views, channelTable, frameSize, ControlProtocolDescriptor.END_RECEIVER, "receiver");
        this.spi = spi;
        this.held = new boolean[bufferCount];
        this.mapped = new boolean[FIRST_REF + poolPages];
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
     * @throws PeerGoneException          if none is left and the sender closed the channel or died.
     * @throws KernelGoneException        if none is left and the kernel is gone.
     * @throws ProtocolViolationException if the front end broke the protocol (now or before).
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
        if (reqProdCache == reqCons && (reqProdCache = readReqProd()) == reqCons)
        {
            final int idle = nothingNew();
            if (idle != Status.OK)
            {
                return idle;
            }
        }
        final int id = takeRequest(into);
        held[id] = true;
        heldCount++;
        reqCons++;
        consumed++;
        counterRelease(header, MESSAGES_RECEIVED_OFFSET, ++messagesReceived);
        counterRelease(header, BYTES_RECEIVED_OFFSET, bytesReceived += into.length());
        return Status.OK;
    }

    /** Copies the request at req_cons once, validates it, reaches its pages and fills {@code into}. */
    private int takeRequest(final Message into)
    {
        final int slot = slotOffset(reqCons, slotMask);
        final int id = ring.getInt(slot + ID_OFFSET);
        final int flags = ring.getInt(slot + FLAGS_OFFSET);
        final int length = ring.getInt(slot + XenChannelDescriptor.LENGTH_OFFSET);
        final int count = ring.getInt(slot + SEGMENT_COUNT_OFFSET);
        if (id < 0 || id >= bufferCount || held[id] || flags != 0 || length < 1 || length > maxMessageLength ||
            count < 1 || count > pagesPerBuffer)
        {
            throw breaks("request " + reqCons + " {id=" + id + " flags=" + flags + " length=" + length +
                " segments=" + count + "} is not a request of a buffer in [0, " + bufferCount + ") not in flight" +
                (id >= 0 && id < bufferCount && held[id] ? " (id " + id + " is in flight: held here)" : "") +
                ", flags 0, length in [1, " + maxMessageLength + "], 1.." + pagesPerBuffer + " segments");
        }
        long total = 0;
        int unmapped = 0;
        for (int i = 0; i < count; i++)
        {
            final long word = ring.getLong(segmentOffset(slot, i)); // one load: reference, offset and length
            final int ref = segmentRef(word);
            final int start = segmentStart(word);
            final int bytes = segmentLength(word);
            if (ref < FIRST_REF || ref >= FIRST_REF + poolPages || bytes < 1 || start + bytes > frameSize)
            {
                throw breaks("request " + reqCons + " segment " + i + " {ref=" + ref + " offset=" + start +
                    " length=" + bytes + "} does not name a reference in [" + FIRST_REF + ", " +
                    (FIRST_REF + poolPages) + ") and a range inside its page of " + frameSize + " bytes");
            }
            segments[i] = word;
            total += bytes;
            if (mode == MODE_PERSISTENT && !mapped[ref] && !seenIn(toMap, unmapped, ref))
            {
                toMap[unmapped++] = word;
            }
        }
        if (total != length)
        {
            throw breaks("request " + reqCons + " segments add up to " + total + " bytes, not its length=" + length);
        }
        // The grants first: a refusal leaves the caller's flyweight as it was.
        if (mode == MODE_PERSISTENT && unmapped > 0)
        {
            grant(ControlProtocolDescriptor.GRANT_MAP, 0, toMap, unmapped, "xen grant map");
            for (int i = 0; i < unmapped; i++)
            {
                mapped[segmentRef(toMap[i])] = true;
            }
        }
        else if (mode == MODE_COPY)
        {
            grant(ControlProtocolDescriptor.GRANT_COPY, id, segments, count, "xen grant copy");
        }
        Flyweights.begin(into, this, spi.space, id, this, false);
        if (mode == MODE_PERSISTENT)
        {
            addPieces(into, count);
        }
        else
        {
            Flyweights.addPiece(into, spi.base + (long)id * stride, length);
        }
        return id;
    }

    private static boolean seenIn(final long[] words, final int count, final int ref)
    {
        for (int i = 0; i < count; i++)
        {
            if (segmentRef(words[i]) == ref)
            {
                return true;
            }
        }
        return false;
    }

    /** The segments as pieces of the mapped pool, each run of adjacent bytes one piece. */
    private void addPieces(final Message into, final int count)
    {
        long runStart = -1;
        int runLength = 0;
        for (int i = 0; i < count; i++)
        {
            final long word = segments[i];
            final long address = spi.base + (long)(segmentRef(word) - FIRST_REF) * frameSize + segmentStart(word);
            if (address == runStart + runLength)
            {
                runLength += segmentLength(word);
                continue;
            }
            if (runLength > 0)
            {
                Flyweights.addPiece(into, runStart, runLength);
            }
            runStart = address;
            runLength = segmentLength(word);
        }
        Flyweights.addPiece(into, runStart, runLength);
    }

    /** A GRANT_OP for the request in hand; a refusal is the front end's bad grant, and breaks the channel. */
    private void grant(final int op, final int destination, final long[] words, final int count, final String what)
    {
        try
        {
            client.grantOp(channelId, op, destination, words, count, what);
        }
        catch (final KernelRefusedException ex)
        {
            throw breaks("request " + reqCons + ": the kernel refused its grants: " + ex.getMessage());
        }
    }

    /** @return req_prod (acquire), checked: at most a ring ahead of the responses ({@code RING_REQUEST_PROD_OVERFLOW}). */
    private int readReqProd()
    {
        final int producer = indexAcquire(ring, REQ_PROD_OFFSET);
        if (Integer.compareUnsigned(producer - rspProdPvt, bufferCount) > 0 ||
            Integer.compareUnsigned(producer - reqCons, producer - rspProdPvt) > 0)
        {
            throw breaks("the front end's req_prod=" + producer + " is not in [" + reqCons + ", " +
                (rspProdPvt + bufferCount) + "]");
        }
        return producer;
    }

    /**
     * With nothing new from the front end: the end of the stream, or whether a request came after all.
     *
     * @return {@link Status#END_OF_STREAM}, {@link Status#EMPTY}, or {@link Status#OK} if a request is there now.
     */
    private int nothingNew()
    {
        final long end = wordAcquire(ring, END_OF_STREAM_OFFSET);
        if (end == 0)
        {
            if (reqEventAsked != reqCons + 1)
            {
                // RING_FINAL_CHECK_FOR_REQUESTS, once per wait: ask for the next push, then look again.
                reqEventAsked = reqCons + 1;
                askToBeNotified(ring, REQ_EVENT_OFFSET, reqEventAsked);
                if ((reqProdCache = readReqProd()) != reqCons)
                {
                    return Status.OK;
                }
            }
            return committedAfterAll() ? Status.OK : Status.EMPTY;
        }
        // Read again after the end word's acquire: every request pushed before the finish is visible now.
        if ((reqProdCache = readReqProd()) != reqCons)
        {
            return Status.OK;
        }
        if (end - 1 != consumed)
        {
            throw breaks("the front end's end of stream after " + (end - 1) + " requests does not match the " +
                consumed + " it pushed");
        }
        endOfStream = true;
        return Status.END_OF_STREAM;
    }

    /** @return whether a request came after all; throws if the sender (or the kernel) is gone and none did. */
    private boolean committedAfterAll()
    {
        if (senderThere())
        {
            return false;
        }
        if ((reqProdCache = readReqProd()) != reqCons) // once more (see senderThere)
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
            (heldCount < bufferCount && indexAcquire(ring, REQ_PROD_OFFSET) != reqCons) ||
            wordAcquire(ring, END_OF_STREAM_OFFSET) != 0 ||
            ChannelTableDescriptor.endAcquire(channelTable, slot, true) != ChannelTableDescriptor.END_OPEN;
    }

    @Override
    public boolean deregister()
    {
        // Cancel, not deregister: the channel stays in the waitset's polled list (as the Rbufs receiver's).
        return spi.ready.cancel();
    }

    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /**
     * {@inheritDoc} Pushes the response that frees the request ({@link XenChannelDescriptor#RSP_OKAY}), published
     * with one release store, and counts a notification if rsp_event asks for one.
     */
    @Override
    public void release(final Message message)
    {
        spi.enter("release");
        spi.checkDeliveredBy(message, this);
        final int id = (int)Flyweights.token(message);
        Flyweights.end(message); // a message not held: BufferStateException, nothing changed
        held[id] = false;
        heldCount--;
        checkOpenAndWhole();
        final int old = rspProdPvt;
        // The slot of a request consumed already (rsp_prod_pvt < req_cons): the front end reads it next.
        putResponse(ring, slotOffset(old, slotMask), id, RSP_OKAY);
        rspProdPvt = old + 1;
        // Release: the front end that reads it (acquire) sees the response, and every read of the pages done.
        indexRelease(ring, RSP_PROD_OFFSET, rspProdPvt);
        if (pushNeedsNotify(ring, RSP_EVENT_OFFSET, old, rspProdPvt))
        {
            wordRelease(ring, RSP_NOTIFIED_OFFSET, ++notified); // polled: the notification is this count
        }
    }
}
