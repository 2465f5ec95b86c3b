package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.WaitingReceive;
import io.barge.grant.BackRing;
import io.barge.grant.GrantCounters;
import io.barge.grant.GrantException;
import io.barge.grant.GrantStatus;
import io.barge.grant.Hypervisor;
import io.barge.grant.MapBatch;
import org.agrona.BitUtil;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

/**
 * The back end of a {@link XenChannel} (a driver domain's {@code blkback}/{@code netback}): it copies each request
 * once into private memory ({@code RING_COPY_REQUEST}), validates the copy (length, segment count, every segment
 * within a page and adding up to the length) and only then reaches the front end's pages through the
 * {@link Hypervisor}, which checks each grant (granted to this domain, in range, not ended, read-only as asked):
 * <ul>
 *   <li>{@link GrantMode#MAP}: a batch of grant maps into a window of this domain's space (page-table updates); the
 *       message is read in place; release unmaps (and flushes the translation cache) and responds;</li>
 *   <li>{@link GrantMode#COPY}: grant copies into the window's private pages; release responds;</li>
 *   <li>{@link GrantMode#PERSISTENT}: the references must name pages of the pool mapped once at open; the message
 *       is read in place; release responds.</li>
 * </ul>
 * A request that fails validation is answered with {@link XenRequestDescriptor#RSP_ERROR} (its partial maps undone)
 * and breaks the channel with a {@link ProtocolViolationException}; a rewrite of a request after it was copied
 * changes nothing. Responses sit in the slots of their requests, so they are bounded by the ring. A release answers
 * {@link XenRequestDescriptor#RSP_OKAY}; {@link #respond} answers the status the receiver gives.
 * <p>
 * An end request ({@link XenRequestDescriptor#FLAG_END}) is validated like any other: it must name exactly the
 * message requests consumed before it, and nothing may follow it; otherwise the channel breaks. After it, polls
 * return {@link Status#END_OF_STREAM}. An honest front end cannot push a message while this end holds
 * {@code capacity} (its buffers come back only with responses), so such a request is a violation too, and a poll
 * is never back pressured. A receiver registered on a waitset ({@link #register}) is woken by the request event
 * channel: before it waits, the back end sets {@code req_event} so that the front end's next push notifies.
 * <p>
 * One thread acts for the back end at a time ({@link XenEnd}: no CAS or fence per call; a teardown frees nothing
 * before this end is quiescent). The poll and release path allocates nothing.
 * <p>
 * Polled in a loop of its own, a {@code BackoffIdleStrategy} suits it; a driver domain serving many front ends
 * registers each back end on one waitset instead ({@link #register}): the request event channel triggers it.
 */
public final class XenBackend extends XenEnd implements Receiver
{
    private final XenChannel channel;
    private final Kernel kernel;
    private final Hypervisor hypervisor;
    private final Domain domain;
    private final Domain peer;
    private final GrantMode mode;
    private final int pageSize;
    private final int pagesPerBuffer;
    private final int capacity;
    private final BackRing ring;
    private final long windowBase;
    private final long scratch;
    private final UnsafeBuffer scratchView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer request = new UnsafeBuffer(new byte[XenRequestDescriptor.SLOT_LENGTH]);
    private final int[] segRef;
    private final int[] segOffset;
    private final int[] segBytes;
    private final MapBatch batch;
    private final long[][] handles;
    private final int[] mapped;
    private final int[] unmapStatus;
    private final int[] ids;
    private final boolean[] held;
    private final int[] free;
    private final Int2IntHashMap persistentIndex;
    /** The persistent pool's references in pool order (the map's inverse), to confirm a guessed page cheaply. */
    private final int[] poolRefs;
    /** Per segment of the request in hand, its page of the persistent pool (found once, in reach). */
    private final int[] segPage;
    /** The persistent fast path's runs of adjacent pool bytes, at most a run per segment. */
    private final long[] runStart;
    private final int[] runLength;
    private int runCount;
    /**
     * The persistent fast path's memo: per slot ({@code request id & memoMask}) the length-and-count word and the
     * segment words of the last request it accepted there, and that request's runs. A front end sends the same
     * segments for a buffer each time it reuses it, so a request equal word for word to a remembered one has that
     * one's verdict: {@link #joinPersistent} depends on nothing else that can change (the pool is mapped once, at
     * open). 0 in {@code memoHeader} is no entry (an accepted request has a length of at least 1).
     */
    private final long[] memoHeader;
    private final long[] memoWords;
    private final long[] memoRunStart;
    private final int[] memoRunLength;
    private final int[] memoRunCount;
    private final int memoMask;
    /** Runs a memo slot holds: a direct request's most. */
    private final int memoRuns;
    private final WaitsetChannel readable;
    private final Message handlerMessage = new Message();
    private final WaitingReceive waiting = new WaitingReceive(this);
    private int freeCount;
    private int port;
    /** Message requests consumed, mod 2^32: what an end request must name. */
    private int consumedMessages;
    private boolean ended;

    XenBackend(final XenChannel channel, final int[] ringRefs, final int[] persistentRefs)
    {
        super(channel, "xen poll");
        this.channel = channel;
        this.kernel = channel.kernel;
        this.hypervisor = channel.hypervisor;
        this.domain = channel.back;
        this.peer = channel.front;
        this.mode = channel.mode;
        this.pageSize = channel.pageSize;
        this.pagesPerBuffer = channel.pagesPerBuffer;
        this.capacity = channel.capacity;
        this.readable = new WaitsetChannel("xen requests " + channel.front + "->" + channel.back);
        final long ringVa = channel.reserve(domain, ringRefs.length);
        for (int i = 0; i < ringRefs.length; i++)
        {
            channel.mapForLife(domain, peer, ringRefs[i], ringVa + (long)i * pageSize, false);
        }
        final UnsafeBuffer ringView = new UnsafeBuffer(0, 0);
        domain.addressSpace().wrapView(ringView, ringVa, ringRefs.length * pageSize, Access.WRITE);
        ring = new BackRing(domain, ringView);

        scratch = channel.reserve(domain, 1);
        final int scratchFrame = kernel.allocateFrame(domain, true);
        channel.keepForLife(domain, scratchFrame);
        kernel.map(domain, scratch, scratchFrame, Rights.READ_WRITE);
        domain.addressSpace().wrapView(scratchView, scratch, pageSize, Access.READ);

        final int windowPages = capacity * pagesPerBuffer;
        windowBase = channel.reserve(domain, windowPages);
        if (mode == GrantMode.COPY)
        {
            final int[] frames = new int[windowPages];
            kernel.allocateFrames(domain, windowPages, true, frames);
            for (int k = 0; k < windowPages; k++)
            {
                final int frame = frames[k];
                channel.keepForLife(domain, frame);
                kernel.map(domain, windowBase + (long)k * pageSize, frame, Rights.READ_WRITE);
            }
        }
        persistentIndex = new Int2IntHashMap(-1);
        poolRefs = mode == GrantMode.PERSISTENT ? persistentRefs.clone() : new int[0];
        if (mode == GrantMode.PERSISTENT)
        {
            for (int k = 0; k < windowPages; k++)
            {
                channel.mapForLife(domain, peer, persistentRefs[k], windowBase + (long)k * pageSize, true);
                persistentIndex.put(persistentRefs[k], k);
            }
        }
        segRef = new int[pagesPerBuffer];
        segOffset = new int[pagesPerBuffer];
        segBytes = new int[pagesPerBuffer];
        segPage = new int[pagesPerBuffer];
        runStart = new long[pagesPerBuffer];
        runLength = new int[pagesPerBuffer];
        final int memoSlots = mode == GrantMode.PERSISTENT ? BitUtil.findNextPositivePowerOfTwo(capacity) : 0;
        memoRuns = Math.min(pagesPerBuffer, XenRequestDescriptor.DIRECT_SEGMENTS);
        memoMask = memoSlots - 1;
        memoHeader = new long[memoSlots];
        memoWords = new long[memoSlots * XenRequestDescriptor.DIRECT_SEGMENTS];
        memoRunStart = new long[memoSlots * memoRuns];
        memoRunLength = new int[memoSlots * memoRuns];
        memoRunCount = new int[memoSlots];
        batch = new MapBatch(pagesPerBuffer);
        handles = new long[mode == GrantMode.MAP ? capacity : 0][pagesPerBuffer];
        mapped = new int[capacity];
        unmapStatus = new int[pagesPerBuffer];
        ids = new int[capacity];
        held = new boolean[capacity];
        free = new int[capacity];
        for (int w = capacity - 1; w >= 0; w--)
        {
            free[freeCount++] = w;
        }
        if (mode == GrantMode.MAP)
        {
            channel.undo(domain, this::unmapHeld);
        }
    }

    void connect(final int port)
    {
        this.port = port;
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
     * @return messages held now (received, not released; exact on this end's thread, a snapshot from any other).
     */
    public int heldMessages()
    {
        return capacity - freeCount;
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
     * Registers for the next request: pending at once if one is waiting, the stream ended or the channel is down;
     * otherwise it asks for an event on the next request and the request event channel triggers it.
     */
    @Override
    public void register(final Waitset waitset, final Runnable handler)
    {
        // Idle first, checked after: a request event between the two triggers the registration, none is lost.
        readable.register(waitset, handler);
        boolean ready = true; // closed, and the handler's poll says so
        if (tryEnter("xen register"))
        {
            try
            {
                ready = channel.isDown() || ended || ring.finalCheckForRequests();
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

    /** The request event channel fired (or the channel closed): wakes a registered receiver. */
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
        try
        {
            if (ended)
            {
                if (ring.unconsumedRequests() != 0)
                {
                    throw channel.violation(call, domain, ring.unconsumedRequests() +
                        " request(s) pushed after the end");
                }
                return Status.END_OF_STREAM;
            }
            if (ring.unconsumedRequests() == 0 && !ring.finalCheckForRequests())
            {
                return Status.EMPTY;
            }
            // The one read of the shared slot: everything below works on the private copy.
            ring.copyNextRequest(request, 0, XenRequestDescriptor.SEGMENTS_OFFSET,
                XenRequestDescriptor.REQUEST_LENGTH);
        }
        catch (final ProtocolViolationException ex)
        {
            throw channel.broken(call, ex);
        }
        final int id = XenRequestDescriptor.id(request, 0);
        if ((XenRequestDescriptor.flags(request, 0) & XenRequestDescriptor.FLAG_END) != 0)
        {
            return endOfStream(id);
        }
        if (freeCount == 0)
        {
            throw channel.violation(call, domain, "request id=" + id + " while " + capacity +
                " messages are held: more than capacity committed and not released");
        }
        consumedMessages++;
        final int window = free[--freeCount];
        final int segments = XenRequestDescriptor.segmentCount(request, 0);
        // Persistent grants: one pass over the private copy checks, finds and joins the pages; any doubt, and the
        // passes below give the verdict (and its counting) as for every other mode.
        final boolean joined = mode == GrantMode.PERSISTENT && joinPersistent(segments);
        if (!joined)
        {
            final String bad = collectSegments();
            if (bad != null)
            {
                throw refuse(window, id, bad);
            }
            final String refused = reach(window, segments);
            if (refused != null)
            {
                throw refuse(window, id, refused);
            }
        }
        ids[window] = id;
        held[window] = true;
        Flyweights.begin(into, this, domain.addressSpace(), window, null, false);
        channel.counters.received();
        // The back end's own numbering is the ring's: the request id (the front end's buffer), as blkback sees it.
        Flyweights.messageId(into, Integer.toUnsignedLong(id));
        if (joined)
        {
            for (int r = 0; r < runCount; r++)
            {
                Flyweights.addPiece(into, runStart[r], runLength[r]);
            }
        }
        else
        {
            addPieces(into, window, segments);
        }
        return Status.OK;
    }

    /**
     * The persistent fast path over a request that carries its segments itself: reads each segment of the private
     * copy once, checks it stays in its page, finds its pool page (the one after the previous segment's first, as a
     * front end's buffer takes consecutive pool pages) and joins it to the run before it when the two are adjacent.
     * A request equal word for word to the one last accepted in its memo slot takes that one's runs instead. It
     * changes nothing but the runs (and the memo): a false answer (anything unexpected) leaves the verdict to the
     * general passes.
     *
     * @return whether the request is valid and its runs are in {@code runStart}/{@code runLength}.
     */
    private boolean joinPersistent(final int segments)
    {
        if (XenRequestDescriptor.flags(request, 0) != 0 || segments < 1 || segments > pagesPerBuffer ||
            segments > XenRequestDescriptor.DIRECT_SEGMENTS)
        {
            return false;
        }
        final long header = XenRequestDescriptor.lengthAndCount(request, 0);
        final int slot = XenRequestDescriptor.id(request, 0) & memoMask;
        if (memoHeader[slot] == header && sameSegments(slot, segments))
        {
            final int runs = memoRunCount[slot];
            final int from = slot * memoRuns;
            System.arraycopy(memoRunStart, from, runStart, 0, runs);
            System.arraycopy(memoRunLength, from, runLength, 0, runs);
            runCount = runs;
            return true;
        }
        final int length = XenRequestDescriptor.length(request, 0);
        if (length < 1 || length > channel.maxMessageLength)
        {
            return false;
        }
        runCount = 0;
        long total = 0;
        int page = -1;
        for (int i = 0; i < segments; i++)
        {
            final long word = XenRequestDescriptor.segmentWord(request,
                XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, i));
            final int offset = XenRequestDescriptor.wordPageOffset(word);
            final int bytes = XenRequestDescriptor.wordBytes(word);
            page = poolPage(XenRequestDescriptor.wordRef(word), page < 0 ? -1 : page + 1);
            if (bytes < 1 || offset + bytes > pageSize || page < 0)
            {
                return false;
            }
            total += bytes;
            final long address = windowBase + (long)page * pageSize + offset;
            if (runCount > 0 && runStart[runCount - 1] + runLength[runCount - 1] == address)
            {
                runLength[runCount - 1] += bytes;
            }
            else
            {
                runStart[runCount] = address;
                runLength[runCount++] = bytes;
            }
        }
        if (total != length)
        {
            return false;
        }
        remember(slot, header, segments);
        return true;
    }

    private boolean sameSegments(final int slot, final int segments)
    {
        final int base = slot * XenRequestDescriptor.DIRECT_SEGMENTS;
        for (int i = 0; i < segments; i++)
        {
            if (memoWords[base + i] != XenRequestDescriptor.segmentWord(request,
                XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, i)))
            {
                return false;
            }
        }
        return true;
    }

    private void remember(final int slot, final long header, final int segments)
    {
        final int base = slot * XenRequestDescriptor.DIRECT_SEGMENTS;
        for (int i = 0; i < segments; i++)
        {
            memoWords[base + i] = XenRequestDescriptor.segmentWord(request,
                XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, i));
        }
        final int from = slot * memoRuns;
        System.arraycopy(runStart, 0, memoRunStart, from, runCount);
        System.arraycopy(runLength, 0, memoRunLength, from, runCount);
        memoRunCount[slot] = runCount;
        memoHeader[slot] = header;
    }

    private int endOfStream(final int count)
    {
        if (XenRequestDescriptor.flags(request, 0) != XenRequestDescriptor.FLAG_END ||
            XenRequestDescriptor.length(request, 0) != 0 || XenRequestDescriptor.segmentCount(request, 0) != 0)
        {
            throw channel.violation(call, domain, "end request flags=0x" +
                Integer.toHexString(XenRequestDescriptor.flags(request, 0)) + " length=" +
                XenRequestDescriptor.length(request, 0) + " segments=" + XenRequestDescriptor.segmentCount(request, 0) +
                ": an end carries no message");
        }
        if (count != consumedMessages)
        {
            throw channel.violation(call, domain, "end request names " + Integer.toUnsignedString(count) +
                " messages, " + Integer.toUnsignedString(consumedMessages) + " were pushed before it");
        }
        ended = true;
        return Status.END_OF_STREAM;
    }

    /**
     * Validates the private copy's header and reads its segments (from the request, or grant-copied once from the
     * indirect pages) into private arrays, each checked.
     *
     * @return null, or the broken rule.
     */
    private String collectSegments()
    {
        final int flags = XenRequestDescriptor.flags(request, 0);
        final int length = XenRequestDescriptor.length(request, 0);
        final int segments = XenRequestDescriptor.segmentCount(request, 0);
        if ((flags & ~XenRequestDescriptor.FLAG_INDIRECT) != 0)
        {
            return "request flags=0x" + Integer.toHexString(flags) + " has unknown bits";
        }
        if (length < 1 || length > channel.maxMessageLength)
        {
            return "request length=" + length + " outside [1, " + channel.maxMessageLength + "]";
        }
        if (segments < 1 || segments > pagesPerBuffer)
        {
            return "request segments=" + segments + " outside [1, " + pagesPerBuffer + "]";
        }
        final boolean indirect = (flags & XenRequestDescriptor.FLAG_INDIRECT) != 0;
        if (indirect != segments > XenRequestDescriptor.DIRECT_SEGMENTS)
        {
            return "request segments=" + segments + " with indirect=" + indirect;
        }
        if (indirect)
        {
            final String bad = copyIndirect(segments);
            if (bad != null)
            {
                return bad;
            }
        }
        else
        {
            for (int i = 0; i < segments; i++)
            {
                readSegment(request, XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, i), i);
            }
        }
        long total = 0;
        for (int i = 0; i < segments; i++)
        {
            if (segBytes[i] < 1 || segOffset[i] + segBytes[i] > pageSize)
            {
                return "segment " + i + " offset=" + segOffset[i] + " length=" + segBytes[i] + " leaves its page";
            }
            total += segBytes[i];
        }
        if (total != length)
        {
            return "segments add up to " + total + " bytes, request says length=" + length;
        }
        return null;
    }

    private String copyIndirect(final int segments)
    {
        final int perPage = XenRequestDescriptor.segmentsPerIndirectPage(pageSize);
        final int pages = XenRequestDescriptor.indirectPagesFor(segments, pageSize);
        for (int k = 0; k < pages; k++)
        {
            final int ref = XenRequestDescriptor.segmentRef(request,
                XenRequestDescriptor.segmentOffset(XenRequestDescriptor.SEGMENTS_OFFSET, k));
            final int count = Math.min(perPage, segments - k * perPage);
            try
            {
                hypervisor.grantCopy(domain, peer.id(), ref, 0, scratch, count * XenRequestDescriptor.SEGMENT_LENGTH,
                    false);
            }
            catch (final GrantException ex)
            {
                return "indirect page " + k + ": " + ex.getMessage();
            }
            for (int j = 0; j < count; j++)
            {
                readSegment(scratchView, XenRequestDescriptor.segmentOffset(0, j), k * perPage + j);
            }
        }
        return null;
    }

    private void readSegment(final UnsafeBuffer from, final int offset, final int i)
    {
        final long word = XenRequestDescriptor.segmentWord(from, offset);
        segRef[i] = XenRequestDescriptor.wordRef(word);
        segOffset[i] = XenRequestDescriptor.wordPageOffset(word);
        segBytes[i] = XenRequestDescriptor.wordBytes(word);
    }

    /**
     * Reaches the validated segments' pages in this mode.
     *
     * @return null, or why the hypervisor (or the persistent pool) refused; nothing stays mapped then.
     */
    private String reach(final int window, final int segments)
    {
        final long base = windowBase + (long)window * pagesPerBuffer * pageSize;
        switch (mode)
        {
            case MAP:
                batch.clear();
                for (int i = 0; i < segments; i++)
                {
                    batch.add(peer.id(), segRef[i], base + (long)i * pageSize, true);
                }
                final int ok = hypervisor.mapGrants(domain, batch);
                final long[] windowHandles = handles[window];
                int good = 0;
                for (int i = 0; i < segments; i++)
                {
                    if (batch.status(i) == GrantStatus.OKAY)
                    {
                        windowHandles[good++] = batch.handle(i);
                    }
                }
                mapped[window] = good;
                if (ok != segments)
                {
                    unmapWindow(window);
                    return "grant map of ref=" + segRef[firstFailed(segments)] + ": " +
                        GrantStatus.name(batch.status(firstFailed(segments)));
                }
                return null;
            case COPY:
                return copyIn(base, segments);
            default:
                for (int i = 0; i < segments; i++)
                {
                    segPage[i] = poolPage(segRef[i], i == 0 ? -1 : segPage[i - 1] + 1);
                    if (segPage[i] < 0)
                    {
                        domain.count(GrantCounters.GRANT_ERRORS, 1);
                        return "segment " + i + " ref=" + segRef[i] + " is no persistent grant of this channel";
                    }
                }
                return null;
        }
    }

    /**
     * @return the pool page granted as {@code ref}, or -1: {@code guess} (the page after the previous segment's, as
     * a front end's buffer takes consecutive pool pages) if that is the one, else a look-up.
     */
    private int poolPage(final int ref, final int guess)
    {
        if (guess >= 0 && guess < poolRefs.length && poolRefs[guess] == ref)
        {
            return guess;
        }
        return persistentIndex.get(ref);
    }

    private int firstFailed(final int segments)
    {
        for (int i = 0; i < segments; i++)
        {
            if (batch.status(i) != GrantStatus.OKAY)
            {
                return i;
            }
        }
        return 0;
    }

    private String copyIn(final long base, final int segments)
    {
        long at = base;
        for (int i = 0; i < segments; i++)
        {
            int done = 0;
            while (done < segBytes[i])
            {
                // A grant copy stays within one page of the destination too.
                final int room = pageSize - (int)(at & (pageSize - 1));
                final int chunk = Math.min(room, segBytes[i] - done);
                try
                {
                    hypervisor.grantCopy(domain, peer.id(), segRef[i], segOffset[i] + done, at, chunk, false);
                }
                catch (final GrantException ex)
                {
                    return "grant copy of segment " + i + ": " + ex.getMessage();
                }
                done += chunk;
                at += chunk;
            }
        }
        return null;
    }

    private void addPieces(final Message into, final int window, final int segments)
    {
        if (mode == GrantMode.COPY)
        {
            Flyweights.addPiece(into, windowBase + (long)window * pagesPerBuffer * pageSize,
                XenRequestDescriptor.length(request, 0));
            return;
        }
        final long base = windowBase + (long)window * pagesPerBuffer * pageSize;
        long start = -1;
        int run = 0;
        for (int i = 0; i < segments; i++)
        {
            final long page = mode == GrantMode.MAP ? base + (long)i * pageSize :
                windowBase + (long)segPage[i] * pageSize;
            final long address = page + segOffset[i];
            if (start >= 0 && start + run == address)
            {
                run += segBytes[i];
                continue;
            }
            if (start >= 0)
            {
                Flyweights.addPiece(into, start, run);
            }
            start = address;
            run = segBytes[i];
        }
        Flyweights.addPiece(into, start, run);
    }

    private ProtocolViolationException refuse(final int window, final int id, final String why)
    {
        free[freeCount++] = window;
        pushResponse(id, XenRequestDescriptor.RSP_ERROR);
        return channel.violation(call, domain, "request id=" + id + " refused: " + why);
    }

    private void pushResponse(final int id, final int status)
    {
        XenRequestDescriptor.response(ring.buffer(), ring.claimResponse(), id, status);
        if (ring.pushResponsesAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    @Override
    public void release(final Message message)
    {
        if (!enterToAnswer("xen release", message))
        {
            return;
        }
        try
        {
            answer(message, XenRequestDescriptor.RSP_OKAY);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    /**
     * Releases the message and answers its request with {@code status} on the ring ({@link Status#OK} as
     * {@link XenRequestDescriptor#RSP_OKAY}, {@link Status#ERROR} as {@link XenRequestDescriptor#RSP_ERROR}).
     */
    @Override
    public void respond(final Message message, final int status)
    {
        if (status != Status.OK && status != Status.ERROR)
        {
            throw new IllegalArgumentException("xen respond: status=" + Status.name(status) +
                " must be Status.OK or Status.ERROR");
        }
        if (!enterToAnswer("xen respond", message))
        {
            return;
        }
        try
        {
            answer(message, status == Status.OK ? XenRequestDescriptor.RSP_OKAY : XenRequestDescriptor.RSP_ERROR);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    /**
     * Enters to answer {@code message}; if the channel is closed, checks the message is held and this end's and ends
     * it (its window goes back with the teardown), as a release on a closed channel does.
     *
     * @return whether the call was entered.
     */
    private boolean enterToAnswer(final String operation, final Message message)
    {
        if (tryEnter(operation))
        {
            return true;
        }
        checkAnswerable(operation, message);
        Flyweights.end(message);
        return false;
    }

    private void checkAnswerable(final String operation, final Message message)
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

    private void answer(final Message message, final int status)
    {
        checkAnswerable(call, message);
        final long token = Flyweights.token(message);
        if (channel.isDown())
        {
            // Closed: teardown reclaimed the window. Broken: it does so at close; no response goes to the peer.
            Flyweights.end(message);
            return;
        }
        final int window = (int)token;
        if (!held[window])
        {
            throw new BufferStateException(call + ": window " + window + " is not held");
        }
        if (mode == GrantMode.MAP)
        {
            unmapWindow(window);
        }
        held[window] = false;
        free[freeCount++] = window;
        Flyweights.end(message);
        pushResponse(ids[window], status);
    }

    private void unmapWindow(final int window)
    {
        final int count = mapped[window];
        if (count > 0)
        {
            hypervisor.unmapGrants(domain, handles[window], count, unmapStatus);
            // The unmapped pages may sit in the translation cache: flush before the front end reuses them.
            kernel.flush(domain);
            mapped[window] = 0;
        }
    }

    /** Teardown: unmaps the pages of messages still held. */
    private void unmapHeld()
    {
        for (int w = 0; w < capacity; w++)
        {
            unmapWindow(w);
            held[w] = false;
        }
    }
}
