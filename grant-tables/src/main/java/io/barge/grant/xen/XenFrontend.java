package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.OutOfFramesException;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.ResponseHandler;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.grant.EndAccessResult;
import io.barge.grant.FrontRing;
import io.barge.grant.GrantTable;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The front end of a {@link XenChannel} (the guest's {@code blkfront}/{@code netfront}): a pool of page-aligned
 * buffers in its own space; a claim points into a free one, a commit grants its pages (per message in
 * {@link GrantMode#MAP} and {@link GrantMode#COPY}, once at open in {@link GrantMode#PERSISTENT}), writes a request
 * and pushes it, notifying the back end only when its {@code req_event} asks for it. Responses are consumed on the
 * next claim: a response id that names no request in flight (unknown or repeated) breaks the channel; a good one ends
 * the message's grants and returns its buffer.
 * <p>
 * {@link #finish()} pushes an end request ({@link XenRequestDescriptor#FLAG_END}) naming how many messages went
 * before it; the ring has a slot more than {@code capacity}, so the end always fits. A sender registered for space
 * ({@link #registerForSpace}) is woken by the response event channel: before it waits, the front end sets
 * {@code rsp_event} so that the back end's next response notifies.
 * <p>
 * Every claim gets a message id from a 64-bit sequence of this sender. A consumed response recycles its buffer and
 * is kept, as (message id, {@link Status#OK} or {@link Status#ERROR}), for {@link #pollResponses}, which reports each
 * once in the order the back end answered. Up to {@code capacity} unreported answers are kept; a sender that lets
 * more pile up loses the oldest reports (its messages are not affected), counted by {@link #lostResponses()}.
 * <p>
 * One thread acts for the front end at a time ({@link XenEnd}: a call stores its thread only when it changes, then
 * reads the channel's state; no CAS or fence), and a teardown frees nothing before this end is quiescent, so no
 * call touches the ring or the buffers after their frames are returned. The claim and commit path allocates
 * nothing.
 * <p>
 * A sender retrying a back-pressured {@code tryClaim} in a loop of its own idles with a {@code BackoffIdleStrategy};
 * or it registers for space on a waitset ({@link #registerForSpace}), which the response event channel triggers.
 */
public final class XenFrontend extends XenSenderEnd
{
    private final XenChannel channel;
    private final Kernel kernel;
    private final Domain domain;
    private final Domain peer;
    private final GrantTable table;
    private final GrantMode mode;
    private final int pageSize;
    private final int pagesPerBuffer;
    private final int indirectPerBuffer;
    private final int capacity;
    private final int segmentsPerIndirectPage;
    private final FrontRing ring;
    private final int ringFrame;
    private final int[] ringRefs;
    private final long bufferBase;
    private final int[] frames;
    private final int[] refs;
    private final int[] granted;
    private final boolean[] inFlight;
    private final int[] free;
    private final UnsafeBuffer[] indirectViews;
    private final int[] indirectRefs;
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[XenRequestDescriptor.SLOT_LENGTH]);
    private final Claim forwardClaim = new Claim();
    private final WaitsetChannel space;
    /** Reserves, allocates, maps and grants this end's pages, each undone at teardown. */
    private final GranterPages pages;
    private int freeCount;
    private int port;
    private long refusedRequests;
    private final long[] messageIds;
    private final long[] reportIds;
    private final int[] reportStatus;
    private int reportHead;
    private int reportCount;
    private long lostResponses;
    private long nextMessageId;
    private boolean finished;
    private int activeClaims;
    /** Message requests pushed, mod 2^32: the count an end request names. */
    private int pushedMessages;

    XenFrontend(final XenChannel channel, final GrantTable table)
    {
        super(channel, "xen tryClaim");
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
        this.segmentsPerIndirectPage = XenRequestDescriptor.segmentsPerIndirectPage(pageSize);
        this.space = new WaitsetChannel("xen space " + channel.front + "->" + channel.back);
        ringRefs = new int[channel.ringPages];
        final UnsafeBuffer ringView = new UnsafeBuffer(0, 0);
        ringFrame = pages.allocateRing(ringRefs, ringView);
        ring = new FrontRing(domain, ringView, XenRequestDescriptor.SLOT_LENGTH);

        final int dataPages = capacity * pagesPerBuffer;
        bufferBase = pages.reserve(dataPages);
        frames = allocateBuffers(bufferBase);
        refs = new int[dataPages];
        granted = new int[capacity];
        messageIds = new long[capacity];
        reportIds = new long[capacity];
        reportStatus = new int[capacity];
        inFlight = new boolean[capacity];
        free = new int[capacity];
        for (int b = capacity - 1; b >= 0; b--)
        {
            free[freeCount++] = b;
        }
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
                // Granted once, as blkfront's persistent indirect pages: the back end only grant-copies from them.
                indirectRefs[k] = pages.grant(indirectFrames[k], true);
            }
        }
        if (mode == GrantMode.PERSISTENT)
        {
            for (int k = 0; k < dataPages; k++)
            {
                refs[k] = pages.grant(frames[k], true);
            }
        }
        else
        {
            channel.undo(domain, this::endInFlight);
        }
    }

    /**
     * The data buffers' frames, each buffer on physically consecutive frames while memory has such runs free, so that
     * a message is one run of frames for the receiver's touch ({@code AddressSpace.sumLongs} reads a run in one
     * call, as from a private buffer); a buffer gets scattered frames when no run is free.
     */
    private int[] allocateBuffers(final long base)
    {
        final int[] allocated = new int[capacity * pagesPerBuffer];
        final int[] scattered = new int[pagesPerBuffer];
        for (int b = 0; b < capacity; b++)
        {
            final int at = b * pagesPerBuffer;
            int first = -1;
            try
            {
                first = pagesPerBuffer == 1 ? -1 : kernel.allocateContiguousFrames(domain, pagesPerBuffer, true);
            }
            catch (final OutOfFramesException ex)
            {
                // Fragmented: this buffer's frames come from anywhere.
            }
            if (first < 0)
            {
                kernel.allocateFrames(domain, pagesPerBuffer, true, scattered);
            }
            for (int k = 0; k < pagesPerBuffer; k++)
            {
                final int frame = first < 0 ? scattered[k] : first + k;
                allocated[at + k] = frame;
                pages.freeAtTeardown(frame);
                kernel.map(domain, base + (long)(at + k) * pageSize, frame, Rights.READ_WRITE);
            }
        }
        return allocated;
    }



    void connect(final int port)
    {
        this.port = port;
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
    public int maxMessageLength()
    {
        return channel.maxMessageLength;
    }

    @Override
    public Claim newClaim()
    {
        return new Claim();
    }

    /**
     * @return requests the back end answered with an error status (exact on this end's thread; a snapshot from any
     *         other).
     */
    public long refusedRequests()
    {
        return refusedRequests;
    }

    /**
     * @return buffers free for claims now (responses not yet consumed count as in flight; exact on this end's
     *         thread, a snapshot from any other).
     */
    public int freeBuffers()
    {
        return freeCount;
    }

    /**
     * Claims a free buffer, first consuming the responses the back end published.
     *
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (every buffer in flight or held).
     * @throws ProtocolViolationException if the back end broke the protocol; the channel is then broken.
     */
    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        enter("xen tryClaim");
        try
        {
            return claim(length, claim);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    private int claim(final int length, final Claim claim)
    {
        channel.checkUsable(call);
        EndSupport.checkNotFinished(call, finished);
        EndSupport.checkLength(call, length, channel.maxMessageLength);
        Flyweights.checkClaimable(claim, length, channel.maxMessageLength);
        // One acquire read of rsp_prod when nothing is new: buffers and grants come back as soon as answered.
        consumeResponses();
        // Ask for an event on the next response before reporting back pressure, so a waiter is woken.
        if (freeCount == 0 && (!finalCheck() || consumeResponses() == 0))
        {
            return Status.BACK_PRESSURED;
        }
        final int buffer = free[--freeCount];
        Flyweights.wrap(claim, domain.addressSpace(), bufferBase + (long)buffer * pagesPerBuffer * pageSize, length,
            buffer, null);
        messageIds[buffer] = nextMessageId;
        Flyweights.messageId(claim, nextMessageId++);
        activeClaims++;
        return Status.OK;
    }

    @Override
    public void commit(final Claim claim)
    {
        enter("xen commit");
        try
        {
            send(claim);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    private void send(final Claim claim)
    {
        checkClaim(claim);
        final int buffer = (int)Flyweights.token(claim);
        final int length = claim.length();
        final int segments = (length + pageSize - 1) / pageSize;
        final int first = buffer * pagesPerBuffer;
        if (mode != GrantMode.PERSISTENT)
        {
            for (int i = 0; i < segments; i++)
            {
                refs[first + i] = table.grantAccess(peer, frames[first + i], true);
                granted[buffer] = i + 1;
            }
        }
        final int slot = ring.claimRequest();
        if (slot == FrontRing.RING_FULL)
        {
            throw new IllegalStateException(call + ": ring full with a buffer free: ring size " + ring.size() +
                " < capacity " + capacity);
        }
        writeRequest(ring.buffer(), slot, buffer, length, segments, first);
        inFlight[buffer] = true;
        activeClaims--;
        pushedMessages++;
        Flyweights.complete(claim);
        channel.counters.sent(length);
        if (ring.pushRequestsAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    private void writeRequest(final AtomicBuffer shared, final int slot, final int buffer, final int length,
        final int segments, final int first)
    {
        if (segments <= XenRequestDescriptor.DIRECT_SEGMENTS)
        {
            XenRequestDescriptor.header(shared, slot, buffer, 0, length, segments);
            for (int i = 0; i < segments; i++)
            {
                XenRequestDescriptor.segment(shared,
                    XenRequestDescriptor.segmentOffset(slot + XenRequestDescriptor.SEGMENTS_OFFSET, i),
                    refs[first + i], 0, Math.min(pageSize, length - i * pageSize));
            }
            return;
        }
        for (int i = 0; i < segments; i++)
        {
            final UnsafeBuffer page = indirectViews[buffer * indirectPerBuffer + i / segmentsPerIndirectPage];
            XenRequestDescriptor.segment(page, XenRequestDescriptor.segmentOffset(0, i % segmentsPerIndirectPage),
                refs[first + i], 0, Math.min(pageSize, length - i * pageSize));
        }
        XenRequestDescriptor.header(shared, slot, buffer, XenRequestDescriptor.FLAG_INDIRECT, length, segments);
        final int indirect = XenRequestDescriptor.indirectPagesFor(segments, pageSize);
        for (int k = 0; k < indirect; k++)
        {
            XenRequestDescriptor.segment(shared,
                XenRequestDescriptor.segmentOffset(slot + XenRequestDescriptor.SEGMENTS_OFFSET, k),
                indirectRefs[buffer * indirectPerBuffer + k], 0, 0);
        }
    }

    @Override
    public void abort(final Claim claim)
    {
        enter("xen abort");
        try
        {
            giveBack(claim);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    private void giveBack(final Claim claim)
    {
        checkClaim(claim);
        free[freeCount++] = (int)Flyweights.token(claim);
        activeClaims--;
        Flyweights.complete(claim);
    }

    @Override
    boolean copyOn(final Message message)
    {
        final Claim claim = forwardClaim;
        if (claim(message.length(), claim) != Status.OK)
        {
            return false;
        }
        // No grant can be handed on: the front end copies the pieces into its buffer (kernel-counted copy).
        EndSupport.copyPieces(kernel, domain, message, domain, claim.address());
        send(claim);
        return true;
    }

    /**
     * Pushes an end request behind every message committed so far; the back end delivers those, then
     * {@link Status#END_OF_STREAM}. Never back pressured: the ring has a slot more than the buffers.
     */
    @Override
    public void finish()
    {
        enter("xen finish");
        try
        {
            end();
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    private void end()
    {
        channel.checkUsable(call);
        if (finished)
        {
            return;
        }
        if (activeClaims > 0)
        {
            throw new IllegalStateException(call + ": " + activeClaims + " claim(s) still active: commit or abort " +
                "before finish()");
        }
        consumeResponses();
        final int slot = ring.claimRequest();
        if (slot == FrontRing.RING_FULL)
        {
            throw new IllegalStateException(call + ": ring full for the end request: ring size " + ring.size() +
                " <= capacity " + capacity);
        }
        XenRequestDescriptor.end(ring.buffer(), slot, pushedMessages);
        finished = true;
        if (ring.pushRequestsAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    /**
     * Registers for room: pending at once if a buffer is free (or the channel is down); otherwise it asks for an
     * event on the next response and the response event channel triggers it.
     */
    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        // Idle first, checked after: a response event between the two triggers the registration, none is lost.
        space.register(waitset, handler);
        boolean ready = true; // closed, and the handler's next call says so
        if (tryEnter("xen registerForSpace"))
        {
            try
            {
                ready = channel.isDown() || freeCount > 0 || consumeResponses() > 0 || finalCheck();
            }
            catch (final ProtocolViolationException ex)
            {
                ready = true; // the handler's next call reports the broken channel
            }
        }
        if (ready)
        {
            space.trigger();
        }
    }

    /**
     * Reports the back end's answers, first consuming the responses it published (which also recycles buffers).
     */
    @Override
    public int pollResponses(final ResponseHandler handler, final int limit)
    {
        if (handler == null || limit < 1)
        {
            throw new IllegalArgumentException("xen pollResponses: handler=" + handler + " limit=" + limit +
                ": a handler and a limit >= 1 are needed");
        }
        enter("xen pollResponses");
        try
        {
            channel.checkUsable(call);
            consumeResponses();
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
        // The reports are this end's heap, not shared frames: handed out after the call, so that a handler may
        // claim and commit on this sender (which consumes responses and adds reports as it goes).
        int reported = 0;
        while (reported < limit && reportCount > 0)
        {
            final long id = reportIds[reportHead];
            final int status = reportStatus[reportHead];
            reportHead = wrap(reportHead + 1);
            reportCount--;
            reported++;
            handler.onResponse(id, status);
        }
        return reported;
    }

    /**
     * @return answers whose reports were overwritten before {@link #pollResponses} took them (exact on this end's
     *         thread, a snapshot from any other).
     */
    public long lostResponses()
    {
        return lostResponses;
    }

    private void keepReport(final long messageId, final int status)
    {
        if (reportCount == capacity)
        {
            // Bounded, allocation free: the oldest unreported answer gives way (its message was long recycled).
            reportHead = wrap(reportHead + 1);
            reportCount--;
            lostResponses++;
        }
        final int tail = wrap(reportHead + reportCount);
        reportIds[tail] = messageId;
        reportStatus[tail] = status;
        reportCount++;
    }

    /** An index into the report ring one lap past its end, brought back: no division on the claim path. */
    private int wrap(final int index)
    {
        return index >= capacity ? index - capacity : index;
    }

    /** The response event channel fired (or the channel closed): wakes a sender registered for space. */
    void onEvent()
    {
        space.trigger();
    }

    private void checkClaim(final Claim claim)
    {
        channel.checkUsable(call);
        if (!claim.isActive())
        {
            throw new BufferStateException(call + ": claim is not active (already committed or aborted)");
        }
        final long token = Flyweights.token(claim);
        if (token < 0 || token >= capacity || inFlight[(int)token])
        {
            throw new IllegalArgumentException(call + ": claim token=" + token + " is not a claim of this sender");
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
     * Consumes every published response: each is copied once into private memory, then its id is checked against
     * the requests in flight before anything is done with it.
     */
    private int consumeResponses()
    {
        int consumed = 0;
        while (true)
        {
            final boolean got;
            try
            {
                got = ring.copyNextResponse(response, 0, XenRequestDescriptor.RESPONSE_LENGTH);
            }
            catch (final ProtocolViolationException ex)
            {
                throw channel.broken(call, ex);
            }
            if (!got)
            {
                return consumed;
            }
            final int id = XenRequestDescriptor.id(response, 0);
            if (id < 0 || id >= capacity || !inFlight[id])
            {
                throw channel.violation(call, domain, "response id=" + id + " names no request in flight " +
                    "(unknown or repeated)");
            }
            endGrants(id);
            final boolean ok = XenRequestDescriptor.status(response, 0) == XenRequestDescriptor.RSP_OKAY;
            if (!ok)
            {
                refusedRequests++;
            }
            keepReport(messageIds[id], ok ? Status.OK : Status.ERROR);
            inFlight[id] = false;
            free[freeCount++] = id;
            consumed++;
        }
    }

    private void endGrants(final int buffer)
    {
        final int first = buffer * pagesPerBuffer;
        for (int i = granted[buffer] - 1; i >= 0; i--)
        {
            if (table.endAccess(refs[first + i]) != EndAccessResult.ENDED)
            {
                // The back end answered while still using the page: it stays in flight (not reused) until teardown.
                throw channel.violation(call, domain, "response id=" + buffer + " while grant ref=" + refs[first + i] +
                    " is still mapped or pinned by " + peer);
            }
            refs[first + i] = 0;
            granted[buffer] = i;
        }
    }

    /** Teardown: ends the grants of messages still in flight (the back end has unmapped them by now). */
    private void endInFlight()
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
