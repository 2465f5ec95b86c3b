package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.WaitingReceive;
import io.barge.grant.EndAccessResult;
import io.barge.grant.FrontRing;
import io.barge.grant.GrantTable;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * The front end of a {@link XenPostedChannel}: the receiver, as a guest's {@code netfront} on its RX ring. It owns
 * {@code capacity} empty buffers of {@code maxMessageLength} bytes (rounded up to pages, page aligned in its own
 * space) and posts each on the ring as a request naming its pages by grant reference ({@link XenRequestDescriptor}:
 * one segment per page, indirect pages past {@link XenRequestDescriptor#DIRECT_SEGMENTS}); the back end fills a
 * posted buffer and answers with (id, bytes filled, offset). A received message is one piece of this domain's own
 * buffer; {@link #release} posts the buffer again.
 * <p>
 * Grants: in {@link GrantMode#MAP} and {@link GrantMode#COPY} each post grants the buffer's pages writable to the
 * back end and the response ends those grants before the message is delivered (netfront's
 * {@code gnttab_end_foreign_access_ref}): a back end that answers while it still maps a page breaks the channel.
 * In {@link GrantMode#PERSISTENT} the pages are granted writable once at open and the back end keeps them mapped,
 * so it can still write a buffer while the receiver reads it, as with netback's persistent grants: trust the bytes
 * of a message no more than the peer.
 * <p>
 * Every response is copied once into private memory, then checked: its id must name a buffer posted and not yet
 * answered, its flags must be 0 and its length and offset must lie within the buffer; anything else breaks the
 * channel ({@link ProtocolViolationException}) and nothing else. The end of the stream is the back end's stream-end
 * word ({@link XenRequestDescriptor#STREAM_END_OFFSET}): once every response before it is consumed, polls return
 * {@link Status#END_OF_STREAM}; a word naming another count, or a response after it, breaks the channel.
 * <p>
 * A receiver registered on a waitset ({@link #register}) is woken by the response event channel: before it waits,
 * the front end sets {@code rsp_event} so that the back end's next response notifies (its {@code finish} always
 * does). One thread acts for the front end at a time ({@link XenEnd}).
 * The poll and release path allocates nothing.
 */
public final class XenPostingFrontend extends XenEnd implements Receiver
{
    private final XenPostedChannel channel;
    private final Kernel kernel;
    private final Domain domain;
    private final Domain peer;
    private final GrantTable table;
    private final GrantMode mode;
    private final int pageSize;
    private final int pagesPerBuffer;
    private final int indirectPerBuffer;
    private final int capacity;
    private final int bufferLength;
    private final int segmentsPerIndirectPage;
    private final FrontRing ring;
    private final int ringFrame;
    private final int[] ringRefs;
    private final long bufferBase;
    private final int[] frames;
    private final int[] refs;
    private final int[] granted;
    private final boolean[] posted;
    private final boolean[] held;
    private final UnsafeBuffer[] indirectViews;
    private final int[] indirectRefs;
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[XenRequestDescriptor.SLOT_LENGTH]);
    private final WaitsetChannel readable;
    private final Message handlerMessage = new Message();
    private final WaitingReceive waiting = new WaitingReceive(this);
    /** Reserves, allocates, maps and grants this end's pages, each undone at teardown. */
    private final GranterPages pages;
    private int port;
    /** Responses consumed, mod 2^32: what the stream-end word must name. */
    private int consumedResponses;
    private long refusedBuffers;
    private long nextMessageId;
    private boolean ended;

    XenPostingFrontend(final XenPostedChannel channel, final GrantTable table)
    {
        super(channel, "xen poll");
        this.channel = channel;
        this.kernel = channel.kernel;
        this.domain = channel.front;
        this.peer = channel.back;
        this.table = table;
        this.pages = new GranterPages(channel, channel.front, channel.back, table);
        this.mode = channel.mode;
        this.pageSize = channel.pageSize;
        this.pagesPerBuffer = channel.pagesPerBuffer;
        this.indirectPerBuffer = channel.indirectPerBuffer;
        this.capacity = channel.capacity;
        this.bufferLength = channel.maxMessageLength;
        this.segmentsPerIndirectPage = XenRequestDescriptor.segmentsPerIndirectPage(pageSize);
        this.readable = new WaitsetChannel("xen responses " + channel.back + "->" + channel.front);
        ringRefs = new int[channel.ringPages];
        final UnsafeBuffer ringView = new UnsafeBuffer(0, 0);
        ringFrame = pages.allocateRing(ringRefs, ringView);
        ring = new FrontRing(domain, ringView, XenRequestDescriptor.SLOT_LENGTH);

        final int dataPages = capacity * pagesPerBuffer;
        bufferBase = pages.reserve(dataPages);
        frames = pages.allocateMapped(bufferBase, dataPages);
        refs = new int[dataPages];
        granted = new int[capacity];
        posted = new boolean[capacity];
        held = new boolean[capacity];
        final int indirectPages = capacity * indirectPerBuffer;
        indirectViews = new UnsafeBuffer[indirectPages];
        indirectRefs = new int[indirectPages];
        if (indirectPages > 0)
        {
            final long indirectBase = pages.reserve(indirectPages);
            final int[] indirectFrames = pages.allocateMapped(indirectBase, indirectPages);
            for (int k = 0; k < indirectPages; k++)
            {
                indirectViews[k] = new UnsafeBuffer(0, 0);
                domain.addressSpace().wrapView(indirectViews[k], indirectBase + (long)k * pageSize, pageSize,
                    Access.WRITE);
                // Granted once, read-only: the back end only grant-copies the segments out of them.
                indirectRefs[k] = pages.grant(indirectFrames[k], true);
            }
        }
        if (mode == GrantMode.PERSISTENT)
        {
            for (int k = 0; k < dataPages; k++)
            {
                refs[k] = pages.grant(frames[k], false);
            }
        }
        else
        {
            channel.undo(domain, this::endPosted);
        }
        // Every buffer is lent at once, published at connect once the event channel is bound.
        for (int b = 0; b < capacity; b++)
        {
            post(b);
        }
    }





    void connect(final int port)
    {
        this.port = port;
        if (ring.pushRequestsAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    int[] ringRefs()
    {
        return ringRefs;
    }

    /**
     * @return the persistently granted data pages' references, buffer-major; null unless persistent.
     */
    int[] persistentRefs()
    {
        return mode == GrantMode.PERSISTENT ? refs : null;
    }

    /**
     * @param buffer a buffer index.
     * @param page   a page of it.
     * @return the grant reference that page is posted under now (0 while not granted).
     */
    int postedRef(final int buffer, final int page)
    {
        return refs[buffer * pagesPerBuffer + page];
    }

    int ringFrame()
    {
        return ringFrame;
    }

    int ringSize()
    {
        return ring.size();
    }

    /**
     * Adds the notifications this end counted since the last addition to its domain's
     * {@link io.barge.core.CounterType#NOTIFICATIONS_SENT} and {@code NOTIFICATIONS_SUPPRESSED}, which otherwise
     * catch up every {@link io.barge.grant.FrontRing#COUNT_BATCH} pushes, whenever this end's ring goes idle, and at
     * teardown. Call it on this end's thread, for a count that must be exact now.
     */
    @Override
    public void publishCounts()
    {
        ring.publishCounts();
    }

    @Override
    public Domain domain()
    {
        return domain;
    }

    @Override
    public Message newMessage()
    {
        return new Message();
    }

    /**
     * @return buffers posted now and not yet answered (exact on this end's thread, a snapshot from any other).
     */
    public int postedBuffers()
    {
        int count = 0;
        for (int b = 0; b < capacity; b++)
        {
            count += posted[b] ? 1 : 0;
        }
        return count;
    }

    /**
     * @return buffers the back end answered with {@link XenRequestDescriptor#RSP_ERROR} (each posted again; exact on
     *         this end's thread, a snapshot from any other).
     */
    public long refusedBuffers()
    {
        return refusedBuffers;
    }

    @Override
    public int poll(final Message into)
    {
        enter("xen poll");
        try
        {
            return receive(into);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    @Override
    public int poll(final MessageHandler handler, final int limit)
    {
        return EndSupport.poll(this, handlerMessage, handler, limit);
    }

    @Override
    public boolean isEndOfStream()
    {
        return ended;
    }

    /**
     * Registers for the next message: pending at once if a response is waiting, the stream ended or the channel is
     * down; otherwise it asks for an event on the next response and the response event channel triggers it.
     */
    @Override
    public void register(final Waitset waitset, final Runnable handler)
    {
        // Idle first, checked after: a response event between the two triggers the registration, none is lost.
        readable.register(waitset, handler);
        boolean ready = true; // closed, and the handler's poll says so
        if (tryEnter("xen register"))
        {
            try
            {
                ready = channel.isDown() || ended || XenRequestDescriptor.streamEndVolatile(ring.buffer()) != 0 ||
                    ring.finalCheckForResponses();
            }
            catch (final ProtocolViolationException ex)
            {
                ready = true; // the handler's poll reports the broken ring
            }
        }
        if (ready)
        {
            readable.trigger();
        }
    }

    @Override
    public boolean deregister()
    {
        return readable.cancel();
    }

    /**
     * It parks outside any call; its polls and registrations enter as the plain calls do.
     */
    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /** The response event channel fired (or the channel closed): wakes a registered receiver. */
    void onEvent()
    {
        readable.trigger();
    }

    private int receive(final Message into)
    {
        channel.checkUsable(call);
        if (into.isHeld())
        {
            throw new BufferStateException(call + ": message is still held: release it before polling into it " +
                "again");
        }
        if (ended)
        {
            final int after = unconsumedResponses();
            if (after != 0)
            {
                throw channel.violation(call, domain, after + " response(s) pushed after the end");
            }
            return Status.END_OF_STREAM;
        }
        while (true)
        {
            if (!nextResponse())
            {
                // Acquire: the responses pushed before the end are visible once the word is.
                final long end = XenRequestDescriptor.streamEndVolatile(ring.buffer());
                if (end != 0)
                {
                    if (!nextResponse())
                    {
                        return endOfStream(end);
                    }
                }
                else if (!finalCheck() || !nextResponse())
                {
                    return Status.EMPTY;
                }
            }
            if (deliver(into))
            {
                return Status.OK;
            }
        }
    }

    private int endOfStream(final long end)
    {
        final int flag = (int)(end >>> 32);
        final int count = (int)end;
        if (flag != XenRequestDescriptor.STREAM_ENDED)
        {
            throw channel.violation(call, domain, "stream-end word 0x" + Long.toHexString(end) +
                " has no valid end flag");
        }
        if (count != consumedResponses)
        {
            throw channel.violation(call, domain, "stream end names " + Integer.toUnsignedString(count) +
                " responses, " + Integer.toUnsignedString(consumedResponses) + " were pushed before it");
        }
        ended = true;
        return Status.END_OF_STREAM;
    }

    /** The one read of a response slot: everything after works on the private copy. */
    private boolean nextResponse()
    {
        try
        {
            return ring.copyNextResponse(response, 0, XenRequestDescriptor.FILLED_RESPONSE_LENGTH);
        }
        catch (final ProtocolViolationException ex)
        {
            throw channel.broken(call, ex);
        }
    }

    private int unconsumedResponses()
    {
        try
        {
            return ring.unconsumedResponses();
        }
        catch (final ProtocolViolationException ex)
        {
            throw channel.broken(call, ex);
        }
    }

    private boolean finalCheck()
    {
        try
        {
            return ring.finalCheckForResponses();
        }
        catch (final ProtocolViolationException ex)
        {
            throw channel.broken(call, ex);
        }
    }

    /**
     * Checks the private copy of a response and delivers its buffer.
     *
     * @return false if it was a refusal (the buffer is posted again and nothing delivered).
     */
    private boolean deliver(final Message into)
    {
        final int id = XenRequestDescriptor.id(response, 0);
        final int status = XenRequestDescriptor.status(response, 0);
        final int offset = XenRequestDescriptor.fillOffset(response, 0);
        final int flags = XenRequestDescriptor.fillFlags(response, 0);
        if (id < 0 || id >= capacity || !posted[id])
        {
            throw channel.violation(call, domain, "response id=" + id + " names no posted buffer (unknown or " +
                "repeated)");
        }
        if (flags != 0)
        {
            throw channel.violation(call, domain, "response id=" + id + " flags=0x" + Integer.toHexString(flags) +
                " has unknown bits");
        }
        final boolean refused = status == XenRequestDescriptor.RSP_ERROR;
        if (!refused && (status < 1 || status > bufferLength || offset < 0 || offset > bufferLength - status))
        {
            throw channel.violation(call, domain, "response id=" + id + " filled " + status + " bytes at offset " +
                offset + ": outside the posted buffer of " + bufferLength);
        }
        endGrants(id);
        posted[id] = false;
        consumedResponses++;
        if (refused)
        {
            refusedBuffers++;
            repost(id);
            return false;
        }
        held[id] = true;
        Flyweights.begin(into, this, domain.addressSpace(), id, null, false);
        Flyweights.messageId(into, nextMessageId++);
        Flyweights.addPiece(into, bufferAddress(id) + offset, status);
        channel.counters.received();
        return true;
    }

    private long bufferAddress(final int buffer)
    {
        return bufferBase + (long)buffer * pagesPerBuffer * pageSize;
    }

    /**
     * Posts the buffer again: the message is released. On a closed or broken channel only the flyweight ends
     * (teardown reclaims the buffer).
     */
    @Override
    public void release(final Message message)
    {
        if (!tryEnter("xen release"))
        {
            checkReleasable("xen release", message);
            Flyweights.end(message); // the channel is gone: teardown reclaimed the buffer
            return;
        }
        try
        {
            checkReleasable(call, message);
            final int buffer = (int)Flyweights.token(message);
            if (channel.isDown())
            {
                Flyweights.end(message);
                return;
            }
            if (!held[buffer])
            {
                throw new BufferStateException(call + ": buffer " + buffer + " is not held");
            }
            held[buffer] = false;
            Flyweights.end(message);
            repost(buffer);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    private void checkReleasable(final String operation, final Message message)
    {
        if (!message.isHeld())
        {
            throw new BufferStateException(operation + ": message released twice (or never received)");
        }
        if (message.source() != this)
        {
            throw new IllegalArgumentException(operation + ": message was not received by this receiver");
        }
    }

    private void repost(final int buffer)
    {
        post(buffer);
        if (ring.pushRequestsAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    /** Grants the buffer's pages (per post unless persistent) and writes its request; the caller pushes. */
    private void post(final int buffer)
    {
        final int first = buffer * pagesPerBuffer;
        if (mode != GrantMode.PERSISTENT)
        {
            for (int i = 0; i < pagesPerBuffer; i++)
            {
                refs[first + i] = table.grantAccess(peer, frames[first + i], false);
                granted[buffer] = i + 1;
            }
        }
        final int slot = ring.claimRequest();
        if (slot == FrontRing.RING_FULL)
        {
            throw new IllegalStateException(call + ": ring full posting a buffer: ring size " + ring.size() +
                " < capacity " + capacity);
        }
        writeRequest(ring.buffer(), slot, buffer, first);
        posted[buffer] = true;
    }

    private void writeRequest(final AtomicBuffer shared, final int slot, final int buffer, final int first)
    {
        final int segments = pagesPerBuffer;
        if (segments <= XenRequestDescriptor.DIRECT_SEGMENTS)
        {
            XenRequestDescriptor.header(shared, slot, buffer, 0, bufferLength, segments);
            for (int i = 0; i < segments; i++)
            {
                XenRequestDescriptor.segment(shared,
                    XenRequestDescriptor.segmentOffset(slot + XenRequestDescriptor.SEGMENTS_OFFSET, i),
                    refs[first + i], 0, Math.min(pageSize, bufferLength - i * pageSize));
            }
            return;
        }
        for (int i = 0; i < segments; i++)
        {
            final UnsafeBuffer page = indirectViews[buffer * indirectPerBuffer + i / segmentsPerIndirectPage];
            XenRequestDescriptor.segment(page, XenRequestDescriptor.segmentOffset(0, i % segmentsPerIndirectPage),
                refs[first + i], 0, Math.min(pageSize, bufferLength - i * pageSize));
        }
        XenRequestDescriptor.header(shared, slot, buffer, XenRequestDescriptor.FLAG_INDIRECT, bufferLength,
            segments);
        for (int k = 0; k < indirectPerBuffer; k++)
        {
            XenRequestDescriptor.segment(shared,
                XenRequestDescriptor.segmentOffset(slot + XenRequestDescriptor.SEGMENTS_OFFSET, k),
                indirectRefs[buffer * indirectPerBuffer + k], 0, 0);
        }
    }

    private void endGrants(final int buffer)
    {
        final int first = buffer * pagesPerBuffer;
        for (int i = granted[buffer] - 1; i >= 0; i--)
        {
            if (table.endAccess(refs[first + i]) != EndAccessResult.ENDED)
            {
                // The back end answered while still mapping the page: it stays posted (not reused) until teardown.
                throw channel.violation(call, domain, "response id=" + buffer + " while grant ref=" + refs[first + i] +
                    " is still mapped or pinned by " + peer);
            }
            refs[first + i] = 0;
            granted[buffer] = i;
        }
    }

    /** Teardown: ends the grants of buffers still posted (the back end has unmapped them by now). */
    private void endPosted()
    {
        for (int b = 0; b < capacity; b++)
        {
            final int first = b * pagesPerBuffer;
            for (int i = 0; i < granted[b]; i++)
            {
                if (refs[first + i] != 0)
                {
                    pages.endAtTeardown(refs[first + i], frames[first + i]);
                    refs[first + i] = 0;
                }
            }
            granted[b] = 0;
        }
    }
}
