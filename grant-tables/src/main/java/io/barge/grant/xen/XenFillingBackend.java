package io.barge.grant.xen;

import io.barge.core.Access;
import io.barge.core.BufferStateException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.grant.BackRing;
import io.barge.grant.GrantCounters;
import io.barge.grant.GrantException;
import io.barge.grant.GrantStatus;
import io.barge.grant.Hypervisor;
import io.barge.grant.MapBatch;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The back end of a {@link XenPostedChannel}: the sender, as a driver domain's {@code netback} on a guest's RX ring.
 * A claim takes the next buffer the receiver posted: the request is copied once into private memory
 * ({@code RING_COPY_REQUEST}) and checked (id in {@code [0, capacity)} and not already posted and unanswered, flags,
 * the channel's buffer length, one whole page per segment from offset 0), then reached in the channel's
 * {@link GrantMode}, the {@link Hypervisor} checking each grant (in range, granted to this domain, writable):
 * <ul>
 *   <li>{@link GrantMode#MAP}: a batch of writable grant maps into a window of this domain's space; the claim
 *       points into the receiver's own pages; commit unmaps (and flushes the translation cache), then answers;</li>
 *   <li>{@link GrantMode#COPY}: the claim points into a private staging window; commit grant-copies the filled
 *       bytes into the posted pages (netback's {@code GNTTABOP_copy}), then answers;</li>
 *   <li>{@link GrantMode#PERSISTENT}: the receiver's pool is mapped writable once at open; the request must name one
 *       buffer's run of pool pages, in order; the claim points straight into it and commit only answers.</li>
 * </ul>
 * The answer is a filled response (id, bytes = the claim's length after any {@link Claim#shrink}, offset 0).
 * Several claims may be outstanding ({@link io.barge.core.transport.Capability#POSTED_BUFFERS}), each in a frame
 * this domain maps writable, so a device may DMA into it ({@link Kernel#pinMappedForDma}); an aborted claim keeps its
 * posted buffer for the next claim. A request that fails its checks, or a grant the hypervisor refuses (in copy mode
 * found at commit), is answered with {@link XenRequestDescriptor#RSP_ERROR} and breaks the channel with a
 * {@link ProtocolViolationException} (counted); other channels go on.
 * <p>
 * {@link #finish()} publishes the stream-end word with the number of responses before it (the ring's slots may all
 * hold filled buffers, so the end cannot take one) and notifies. A sender registered for space
 * ({@link #registerForSpace}) is woken by the request event channel: before it waits, the back end sets
 * {@code req_event} so that the receiver's next post notifies. One thread acts for the back end at a time
 * ({@link XenEnd}). The claim and commit path allocates nothing; a sender retrying a back-pressured claim in a loop of
 * its own idles with a {@code BackoffIdleStrategy}.
 */
public final class XenFillingBackend extends XenSenderEnd
{
    private static final byte FREE = 0;
    private static final byte SPARE = 1;
    private static final byte CLAIMED = 2;

    private final XenPostedChannel channel;
    private final Kernel kernel;
    private final Hypervisor hypervisor;
    private final Domain domain;
    private final Domain peer;
    private final GrantMode mode;
    private final int pageSize;
    private final int pagesPerBuffer;
    private final int capacity;
    private final int bufferLength;
    private final BackRing ring;
    private final long windowBase;
    private final PostedRequest request;
    private final int[][] windowRefs;
    private final MapBatch batch;
    private final long[][] handles;
    private final int[] mapped;
    private final int[] unmapStatus;
    private final int[] windowId;
    private final byte[] state;
    private final boolean[] outstanding;
    private final int[] free;
    private final int[] spare;
    private final Int2IntHashMap persistentIndex = new Int2IntHashMap(-1);
    private final WaitsetChannel space;
    private final Claim forwardClaim = new Claim();
    private int freeCount;
    private int spareCount;
    private int port;
    private int activeClaims;
    /** Responses pushed, mod 2^32: what the stream-end word names. */
    private int answered;
    private long nextMessageId;
    private boolean finished;
    /** Why the last reach failed, for the refusal. */
    private String refusal;

    XenFillingBackend(final XenPostedChannel channel, final int[] ringRefs, final int[] persistentRefs)
    {
        super(channel, "xen tryClaim");
        this.channel = channel;
        this.kernel = channel.kernel;
        this.hypervisor = channel.hypervisor;
        this.domain = channel.back;
        this.peer = channel.front;
        this.mode = channel.mode;
        this.pageSize = channel.pageSize;
        this.pagesPerBuffer = channel.pagesPerBuffer;
        this.capacity = channel.capacity;
        this.bufferLength = channel.maxMessageLength;
        this.space = new WaitsetChannel("xen posted buffers " + channel.front + "->" + channel.back);
        final long ringVa = channel.reserve(domain, ringRefs.length);
        for (int i = 0; i < ringRefs.length; i++)
        {
            channel.mapForLife(domain, peer, ringRefs[i], ringVa + (long)i * pageSize, false);
        }
        final UnsafeBuffer ringView = new UnsafeBuffer(0, 0);
        domain.addressSpace().wrapView(ringView, ringVa, ringRefs.length * pageSize, Access.WRITE);
        ring = new BackRing(domain, ringView);

        long scratch = 0;
        if (channel.indirectPerBuffer > 0)
        {
            scratch = channel.reserve(domain, 1);
            final int scratchFrame = kernel.allocateFrame(domain, true);
            channel.keepForLife(domain, scratchFrame);
            kernel.map(domain, scratch, scratchFrame, Rights.READ_WRITE);
        }
        request = new PostedRequest(channel, scratch);

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
        else if (mode == GrantMode.PERSISTENT)
        {
            for (int k = 0; k < windowPages; k++)
            {
                channel.mapForLife(domain, peer, persistentRefs[k], windowBase + (long)k * pageSize, false);
                persistentIndex.put(persistentRefs[k], k);
            }
        }
        windowRefs = new int[mode == GrantMode.COPY ? capacity : 0][pagesPerBuffer];
        batch = new MapBatch(pagesPerBuffer);
        handles = new long[mode == GrantMode.MAP ? capacity : 0][pagesPerBuffer];
        mapped = new int[capacity];
        unmapStatus = new int[pagesPerBuffer];
        windowId = new int[capacity];
        state = new byte[capacity];
        outstanding = new boolean[capacity];
        free = new int[capacity];
        spare = new int[capacity];
        for (int w = capacity - 1; w >= 0; w--)
        {
            free[freeCount++] = w;
        }
        if (mode == GrantMode.MAP)
        {
            channel.undo(domain, this::unmapAll);
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
    public int maxMessageLength()
    {
        return bufferLength;
    }

    @Override
    public Claim newClaim()
    {
        return new Claim();
    }

    /**
     * @return posted buffers this end has taken and not answered (claimed, or kept after an abort; exact on this
     *         end's thread, a snapshot from any other).
     */
    public int takenBuffers()
    {
        int count = 0;
        for (int w = 0; w < capacity; w++)
        {
            count += state[w] != FREE ? 1 : 0;
        }
        return count;
    }

    /**
     * Claims the next posted buffer: one kept after an abort, else the next request on the ring.
     *
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (the receiver has posted no buffer).
     * @throws ProtocolViolationException if the receiver broke the protocol; the channel is then broken.
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
        EndSupport.checkLength(call, length, bufferLength);
        Flyweights.checkClaimable(claim, length, bufferLength);
        final int window = spareCount > 0 ? spare[--spareCount] : takeRequest();
        if (window < 0)
        {
            return Status.BACK_PRESSURED;
        }
        state[window] = CLAIMED;
        Flyweights.wrap(claim, domain.addressSpace(), windowAddress(window), length, window, null);
        Flyweights.messageId(claim, nextMessageId++);
        activeClaims++;
        return Status.OK;
    }

    private long windowAddress(final int window)
    {
        return windowBase + (long)window * pagesPerBuffer * pageSize;
    }

    /**
     * @return the window now holding the next posted buffer, or -1 if none is posted.
     */
    private int takeRequest()
    {
        try
        {
            // Ask for an event on the next post before reporting back pressure, so a waiter is woken.
            if (ring.unconsumedRequests() == 0 && !ring.finalCheckForRequests())
            {
                return -1;
            }
            // The one read of the shared slot: everything below works on the private copy.
            ring.copyNextRequest(request.slot(), 0, XenRequestDescriptor.SEGMENTS_OFFSET,
                XenRequestDescriptor.REQUEST_LENGTH);
        }
        catch (final ProtocolViolationException ex)
        {
            throw channel.broken(call, ex);
        }
        final int id = request.id();
        final String bad = id < 0 || id >= capacity ? "request id=" + id + " outside [0, " + capacity + ")" :
            outstanding[id] ? "request id=" + id + " repeats a buffer posted and not yet answered" : request.check();
        if (bad != null)
        {
            throw refuse(id, bad);
        }
        final int window = reach();
        if (window < 0)
        {
            throw refuse(id, refusal);
        }
        outstanding[id] = true;
        windowId[window] = id;
        state[window] = SPARE;
        return window;
    }

    /**
     * Reaches the validated segments' pages in this mode.
     *
     * @return the window, or -1 with {@link #refusal} saying why; nothing stays mapped then.
     */
    private int reach()
    {
        switch (mode)
        {
            case MAP:
            {
                final int window = free[--freeCount];
                final long base = windowAddress(window);
                batch.clear();
                for (int i = 0; i < pagesPerBuffer; i++)
                {
                    batch.add(peer.id(), request.ref(i), base + (long)i * pageSize, false);
                }
                final int ok = hypervisor.mapGrants(domain, batch);
                final long[] windowHandles = handles[window];
                int good = 0;
                int failed = -1;
                for (int i = 0; i < pagesPerBuffer; i++)
                {
                    if (batch.status(i) == GrantStatus.OKAY)
                    {
                        windowHandles[good++] = batch.handle(i);
                    }
                    else if (failed < 0)
                    {
                        failed = i;
                    }
                }
                mapped[window] = good;
                if (ok != pagesPerBuffer)
                {
                    unmapWindow(window);
                    free[freeCount++] = window;
                    refusal = "writable grant map of ref=" + request.ref(failed) + ": " +
                        GrantStatus.name(batch.status(failed));
                    return -1;
                }
                return window;
            }
            case COPY:
            {
                // The grants are checked by the hypervisor at commit, when the filled bytes are copied in.
                final int window = free[--freeCount];
                System.arraycopy(request.refs(), 0, windowRefs[window], 0, pagesPerBuffer);
                return window;
            }
            default:
                return persistentWindow();
        }
    }

    private int persistentWindow()
    {
        final int first = persistentIndex.get(request.ref(0));
        if (first < 0 || first % pagesPerBuffer != 0)
        {
            domain.count(GrantCounters.GRANT_ERRORS, 1);
            refusal = "segment 0 ref=" + request.ref(0) + " starts no buffer of this channel's persistent pool";
            return -1;
        }
        for (int i = 1; i < pagesPerBuffer; i++)
        {
            if (persistentIndex.get(request.ref(i)) != first + i)
            {
                domain.count(GrantCounters.GRANT_ERRORS, 1);
                refusal = "segment " + i + " ref=" + request.ref(i) + " is not page " + i + " of the pool buffer its " +
                    "segment 0 starts";
                return -1;
            }
        }
        final int window = first / pagesPerBuffer;
        if (state[window] != FREE)
        {
            refusal = "pool buffer " + window + " is posted twice";
            return -1;
        }
        return window;
    }

    private ProtocolViolationException refuse(final int id, final String why)
    {
        respond(id, XenRequestDescriptor.RSP_ERROR);
        return channel.violation(call, domain, "posted buffer id=" + id + " refused: " + why);
    }

    private void respond(final int id, final int status)
    {
        XenRequestDescriptor.filled(ring.buffer(), ring.claimResponse(), id, status, 0);
        answered++;
        if (ring.pushResponsesAndCheckNotify())
        {
            channel.events.notify(domain, port);
        }
    }

    /**
     * Answers the claim's posted buffer with its length (after any shrink); in copy mode first grant-copies the
     * filled bytes into the receiver's pages.
     *
     * @throws ProtocolViolationException if the hypervisor refused a posted grant (copy mode); the message is not
     *                                    delivered and the channel is broken.
     */
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
        final int window = checkClaim(claim);
        final int length = claim.length();
        final int id = windowId[window];
        final String bad = mode == GrantMode.COPY ? copyOut(window, length) : null;
        if (mode == GrantMode.MAP)
        {
            unmapWindow(window);
        }
        giveUp(window, id);
        activeClaims--;
        Flyweights.complete(claim);
        if (bad != null)
        {
            throw refuse(id, bad);
        }
        channel.counters.sent(length);
        respond(id, length);
    }

    private String copyOut(final int window, final int length)
    {
        final long base = windowAddress(window);
        final int[] refs = windowRefs[window];
        for (int i = 0; i * pageSize < length; i++)
        {
            try
            {
                hypervisor.grantCopy(domain, peer.id(), refs[i], 0, base + (long)i * pageSize,
                    Math.min(pageSize, length - i * pageSize), true);
            }
            catch (final GrantException ex)
            {
                return "grant copy into segment " + i + ": " + ex.getMessage();
            }
        }
        return null;
    }

    private void giveUp(final int window, final int id)
    {
        state[window] = FREE;
        outstanding[id] = false;
        if (mode != GrantMode.PERSISTENT)
        {
            free[freeCount++] = window;
        }
    }

    /**
     * Gives the claim back unsent; its posted buffer stays taken, for the next claim.
     */
    @Override
    public void abort(final Claim claim)
    {
        enter("xen abort");
        try
        {
            final int window = checkClaim(claim);
            state[window] = SPARE;
            spare[spareCount++] = window;
            activeClaims--;
            Flyweights.complete(claim);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    @Override
    boolean copyOn(final Message message)
    {
        final Claim claim = forwardClaim;
        if (claim(message.length(), claim) != Status.OK)
        {
            return false;
        }
        // The received pages cannot be lent on as the receiver's posted buffer: copied in (kernel-counted copy).
        EndSupport.copyPieces(kernel, domain, message, domain, claim.address());
        send(claim);
        return true;
    }

    /**
     * Publishes the stream-end word behind every answered buffer and notifies; the receiver delivers those, then
     * {@link Status#END_OF_STREAM}. Never back pressured: the end takes no slot. Buffers posted and not filled stay
     * the receiver's, reclaimed at teardown.
     */
    @Override
    public void finish()
    {
        enter("xen finish");
        try
        {
            channel.checkUsable(call);
            if (finished)
            {
                return;
            }
            if (activeClaims > 0)
            {
                throw new IllegalStateException(call + ": " + activeClaims + " claim(s) still active: commit or " +
                    "abort before finish()");
            }
            // Release: the front end that reads the word (acquire) sees every response pushed before it.
            XenRequestDescriptor.streamEndRelease(ring.buffer(), answered);
            finished = true;
            channel.events.notify(domain, port);
        }
        catch (final RuntimeException ex)
        {
            throw channel.whyFailed(call, ex);
        }
    }

    /**
     * Registers for room: pending at once if a posted buffer is waiting (or the channel is down); otherwise it asks
     * for an event on the next post and the request event channel triggers it.
     */
    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        // Idle first, checked after: a request event between the two triggers the registration, none is lost.
        space.register(waitset, handler);
        boolean ready = true; // closed, and the handler's next call says so
        if (tryEnter("xen registerForSpace"))
        {
            try
            {
                ready = channel.isDown() || spareCount > 0 || ring.finalCheckForRequests();
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

    /** The request event channel fired (or the channel closed): wakes a sender registered for space. */
    void onEvent()
    {
        space.trigger();
    }

    private int checkClaim(final Claim claim)
    {
        channel.checkUsable(call);
        if (!claim.isActive())
        {
            throw new BufferStateException(call + ": claim is not active (already committed or aborted)");
        }
        final long token = Flyweights.token(claim);
        if (token < 0 || token >= capacity || state[(int)token] != CLAIMED)
        {
            throw new IllegalArgumentException(call + ": claim token=" + token + " is not a claim of this sender");
        }
        return (int)token;
    }

    private void unmapWindow(final int window)
    {
        final int count = mapped[window];
        if (count > 0)
        {
            hypervisor.unmapGrants(domain, handles[window], count, unmapStatus);
            // The receiver reads the page once answered: no stale writable translation may stay in this domain.
            kernel.flush(domain);
            mapped[window] = 0;
        }
    }

    /** Teardown: unmaps the windows of buffers still taken. */
    private void unmapAll()
    {
        for (int w = 0; w < capacity; w++)
        {
            unmapWindow(w);
        }
    }
}
