package io.barge.rbufs;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.ChannelCounters;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.QuiescentEnd;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;

/**
 * The originator's end of an Rbufs channel. It writes data into the data area, describes it by DATA IOrecs in its
 * control area and signals the head. In transmit-master mode it chooses the slots itself and takes them back from
 * FREE IOrecs in the receiver's control area, each checked against what it sent (forged or repeated returns are
 * rejected and counted, nothing is freed twice). In receive-master mode it fills the empty regions the receiver
 * posted by EMPTY IOrecs, each checked to lie in the data area and to be large enough.
 * <p>
 * In receive-master mode each slot is with the receiver, posted (taken from an EMPTY IOrec, not yet claimed) or
 * claimed; a post of a slot that is posted or claimed already is a protocol violation that breaks the channel, so
 * one region never serves two claims at once.
 * <p>
 * A successful {@link #tryClaim} reserves the control-ring room its commit needs. One thread at a time (handed
 * over with a happens-before edge; not checked, see {@link QuiescentEnd}); every public call first records its
 * thread and reads the state ({@link #admit}), and a teardown leaves the frames this end reaches until it is
 * quiescent ({@link RbufsChannel}), so no frame is freed under it.
 * <p>
 * Capacity: the data area has {@code capacity} slots, each with the receiver, in flight, claimed or free, so at most
 * {@code capacity} messages are claimed, in flight or held. When it retries a back-pressured claim itself, a
 * {@code BackoffIdleStrategy} suits it (a claim that finds no room arms a wake-up and polls for returns); one thread
 * serving many channels registers it with {@link #registerForSpace}, woken by the receiver's return signal.
 * {@link #finish()} stores the end word in this end's control area ({@link ControlAreaDescriptor#END_OFFSET}).
 * <p>
 * On a path past its first hop, record offsets below the path area's length name regions of the path's data area
 * (forwarded), this channel's own slots follow; a FREE IOrec of a forwarded region is checked by this domain's
 * receiver of the hop before, which passes it upstream ({@link RbufsPath}).
 */
final class RbufsSender extends LinePadding implements Sender, CounterLink.Listener
{
    private static final long NOT_SENT = 0;
    private static final long CLAIMED = -1;
    private static final byte WITH_RECEIVER = 0;
    private static final byte POSTED = 1;
    private static final byte IN_CLAIM = 2;
    /** forwardOnPath: the message is not a path region; copy it. */
    private static final int COPY = Integer.MIN_VALUE;

    private final EndState state;
    private final QuiescentEnd end = new QuiescentEnd();
    private final Domain domain;
    private final AddressSpace space;
    private final boolean transmitMaster;
    private final long dataBase;
    private final long areaLength;
    private final int slotSize;
    private final SlotIndex slots;
    private final int maxMessageLength;
    private final IoRecWriter writer;
    private final IoRecReader reader;
    private final IoRec rec = new IoRec();
    private final Claim forwardClaim = new Claim();
    private CounterLink link;
    private int activeClaims;
    private ChannelCounters counters;
    private boolean finished;
    private final WaitsetChannel readyChannel = new WaitsetChannel("rbufs-space");
    private final IdleStrategy endIdle = new BackoffIdleStrategy();

    // Transmit master: free slots (LIFO, so a slot just returned is reused while warm) and what each slot holds.
    private final int[] freeSlots;
    private int freeCount;
    private final long[] sentLength;

    // Receive master: posted regions taken from the ring but not used yet (a record's spare pairs, aborted claims).
    private final long[] spareBase;
    private final long[] spareLength;
    private int spareCount;
    private final byte[] postState;

    // On a path past its first hop (RbufsPath): record offsets below ownShift name the path's data area, this
    // channel's own slots follow; inbound is this domain's receiver of the hop before, whose regions it hands on.
    private final long ownShift;
    private RbufsReceiver inbound;
    private long zeroCopyForwards;
    private long copiedForwards;

    RbufsSender(final EndState state, final Domain domain, final boolean transmitMaster, final long dataBase,
        final long areaLength, final int slotSize, final int slots, final int maxMessageLength,
        final IoRecWriter writer, final IoRecReader reader)
    {
        this(state, domain, transmitMaster, dataBase, areaLength, slotSize, slots, maxMessageLength, writer, reader,
            0);
    }

    /**
     * @param ownShift bytes of the path's data area that precede this channel's own slots in record offsets (0 off a
     *                 path and on its first hop, whose own area is the path's).
     */
    RbufsSender(final EndState state, final Domain domain, final boolean transmitMaster, final long dataBase,
        final long areaLength, final int slotSize, final int slots, final int maxMessageLength,
        final IoRecWriter writer, final IoRecReader reader, final long ownShift)
    {
        this.ownShift = ownShift;
        this.state = state;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.transmitMaster = transmitMaster;
        this.dataBase = dataBase;
        this.areaLength = areaLength;
        this.slotSize = slotSize;
        this.slots = new SlotIndex(slotSize);
        this.maxMessageLength = maxMessageLength;
        this.writer = writer;
        this.reader = reader;
        this.freeSlots = new int[transmitMaster ? slots : 0];
        this.sentLength = new long[transmitMaster ? slots : 0];
        for (int i = 0; i < freeSlots.length; i++)
        {
            freeSlots[i] = freeSlots.length - 1 - i;
        }
        this.freeCount = freeSlots.length;
        final int spares = transmitMaster ? 0 : slots + IoRecDescriptor.MAX_PAIRS;
        this.spareBase = new long[spares];
        this.spareLength = new long[spares];
        this.postState = new byte[transmitMaster ? 0 : slots];
    }

    void link(final CounterLink link)
    {
        this.link = link;
    }

    void counters(final ChannelCounters counters)
    {
        this.counters = counters;
    }

    @Override
    public Domain domain()
    {
        return domain;
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

    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        EndSupport.checkLength("rbufs tryClaim", length, maxMessageLength);
        enter("tryClaim");
        EndSupport.checkNotFinished("rbufs tryClaim", finished);
        Flyweights.checkClaimable(claim, length, maxMessageLength);
        return claim(length, claim);
    }

    private void enter(final String operation)
    {
        end.enter();
        if (!state.isOpen())
        {
            throw closed(operation);
        }
    }

    /**
     * Records this thread, then reads the state ({@link QuiescentEnd}, step 1).
     *
     * @return false if the channel is closed: this end is quiescent and the caller touches no view.
     */
    boolean admit()
    {
        return state.admit(end);
    }

    private RuntimeException closed(final String operation)
    {
        return state.closedException(end, operation);
    }

    private int claim(final int length, final Claim claim)
    {
        try
        {
            link.flush();
            final int status = attempt(length, claim);
            if (status == Status.OK)
            {
                return status;
            }
            // Out of room or regions: ask the receiver to notify at its next record or ack, then look once more
            // (it may have published before it could see the request).
            link.arm(reader.tail() + 1, writer.knownTail() + 1);
            link.poll();
            return attempt(length, claim);
        }
        catch (final ProtocolViolationException ex)
        {
            throw state.broken(domain, ex);
        }
    }

    private int attempt(final int length, final Claim claim)
    {
        if (!ringHasRoom())
        {
            link.poll();
            if (!ringHasRoom())
            {
                return Status.BACK_PRESSURED;
            }
        }
        return transmitMaster ? claimSlot(length, claim) : claimPosted(length, claim);
    }

    private boolean ringHasRoom()
    {
        final long used = writer.head() - writer.knownTail();
        return writer.capacity() - used >= (long)(activeClaims + 1) * ControlAreaDescriptor.BYTES_PER_MESSAGE;
    }

    private int claimSlot(final int length, final Claim claim)
    {
        if (freeCount == 0)
        {
            reclaim();
            if (freeCount == 0)
            {
                return Status.BACK_PRESSURED;
            }
        }
        final int slot = freeSlots[--freeCount];
        sentLength[slot] = CLAIMED;
        activeClaims++;
        Flyweights.wrap(claim, space, dataBase + (long)slot * slotSize, length, slot, this);
        return Status.OK;
    }

    private int claimPosted(final int length, final Claim claim)
    {
        if (spareCount == 0)
        {
            takePosts();
            if (spareCount == 0)
            {
                return Status.BACK_PRESSURED;
            }
        }
        spareCount--;
        final long base = spareBase[spareCount];
        final long postLength = spareLength[spareCount];
        postState[(int)slots.slot(base)] = IN_CLAIM;
        activeClaims++;
        Flyweights.wrap(claim, space, dataBase + base, length, (base << 32) | postLength, this);
        return Status.OK;
    }

    /**
     * Takes back regions from FREE IOrecs: each pair must be a slot this end sent and has not had back, with the
     * length it sent. Anything else is rejected and counted; it frees nothing.
     */
    private void reclaim()
    {
        if (inbound == null)
        {
            reclaim(false);
            return;
        }
        // Returns of forwarded regions go upstream through the hop before: its end is admitted for them (on this,
        // its own thread). If that hop has closed, the hop above it takes those regions back (RbufsPath): dropped.
        reclaim(inbound.admit());
    }

    /**
     * @param upstreamOpen whether returns of forwarded path regions can go upstream (the hop before's end is
     *                     admitted by this thread); if not they are consumed and dropped.
     */
    private void reclaim(final boolean upstreamOpen)
    {
        link.poll();
        final long tailBefore = reader.tail();
        int passedUp = 0;
        while (reader.read(rec))
        {
            for (int i = 0; i < rec.count; i++)
            {
                final long base = rec.bases[i];
                final long length = rec.lengths[i];
                if (base >= 0 && base < ownShift)
                {
                    // A region of the path this end forwarded: the hop before checks it handed exactly it on.
                    if (upstreamOpen && inbound.takeBackForwarded(base, length))
                    {
                        passedUp++;
                    }
                    else if (upstreamOpen)
                    {
                        domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                    }
                    continue;
                }
                final long own = base - ownShift;
                final long slot = slots.slot(own);
                if (own >= 0 && slots.isStart(own) && slot < sentLength.length &&
                    sentLength[(int)slot] == length && length > 0)
                {
                    sentLength[(int)slot] = NOT_SENT;
                    freeSlots[freeCount++] = (int)slot;
                }
                else
                {
                    domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                }
            }
        }
        if (passedUp > 0)
        {
            inbound.publishPassedReturns();
        }
        if (inbound != null && reader.tail() != tailBefore)
        {
            link.publish(writer.head(), reader.tail()); // a forwarder's reads free the next hop's return ring
        }
        else
        {
            ackIfStuck(tailBefore, freeCount);
        }
    }

    /**
     * The hop before's poll (this domain's receiver on the path, inside its own call) passes this end's returns of
     * forwarded regions upstream. A violation breaks this channel, not the caller's.
     */
    void pumpReturns()
    {
        if (!admit())
        {
            return;
        }
        try
        {
            if (state.isOpen())
            {
                link.poll();
                if (reader.hasNext())
                {
                    reclaim(true);
                }
            }
        }
        catch (final ProtocolViolationException ex)
        {
            state.broken(domain, ex);
        }
    }

    /**
     * Normally the tail of the receiver's ring travels with the next commit. If this end consumed records but still
     * has nothing to send with, no commit is coming: signal now, or a receiver whose returns wait for ring room
     * would wait forever.
     */
    private void ackIfStuck(final long tailBefore, final int available)
    {
        if (available == 0 && reader.tail() != tailBefore)
        {
            link.publish(writer.head(), reader.tail());
        }
    }

    /**
     * Copies posted regions out of one EMPTY IOrec: each pair must be one slot (its start, no longer than it) and
     * hold a whole message; a malformed pair is counted and skipped. A slot posted or claimed already is a
     * violation: the receiver would have one region filled by two claims.
     *
     * @throws ProtocolViolationException for a post of a slot that is not with the receiver.
     */
    private void takePosts()
    {
        if (!reader.hasNext())
        {
            link.poll();
        }
        final long tailBefore = reader.tail();
        while (spareCount == 0 && reader.read(rec))
        {
            for (int i = 0; i < rec.count; i++)
            {
                final long base = rec.bases[i];
                final long length = rec.lengths[i];
                if (IoRecDescriptor.checkPair(base, length, areaLength) == null && length >= maxMessageLength &&
                    slots.isStart(base) && length <= slotSize)
                {
                    final int slot = (int)slots.slot(base);
                    if (postState[slot] != WITH_RECEIVER)
                    {
                        throw new ProtocolViolationException("EMPTY IOrec posts base=" + base + " length=" + length +
                            ", a slot that is " + (postState[slot] == POSTED ? "posted" : "claimed") + " already");
                    }
                    postState[slot] = POSTED;
                    spareBase[spareCount] = base;
                    spareLength[spareCount] = length;
                    spareCount++;
                }
                else
                {
                    domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                }
            }
        }
        ackIfStuck(tailBefore, spareCount);
    }

    @Override
    public void commit(final Claim claim)
    {
        checkClaimOf(claim, this);
        enter("commit");
        publish(claim);
    }

    /**
     * @param activeClaims claims made and neither committed nor aborted.
     * @throws IllegalStateException if there are any: {@code finish} must follow every claim's commit or abort.
     */
    static void checkNoActiveClaims(final int activeClaims)
    {
        if (activeClaims > 0)
        {
            throw new IllegalStateException("rbufs finish: " + activeClaims + " claim(s) still active: commit " +
                "or abort them first");
        }
    }

    /**
     * A claim of another sender would be read with this end's token layout: refused before anything changes. An
     * inactive claim passes, for {@link Claim#complete} to refuse with its own error.
     *
     * @param claim  the claim given to commit or abort.
     * @param sender the sender it was given to (every Rbufs sender wraps its claims with itself as attachment).
     * @throws IllegalArgumentException if another sender made it.
     */
    static void checkClaimOf(final Claim claim, final Sender sender)
    {
        if (claim.isActive() && Flyweights.attachment(claim) != sender)
        {
            throw new IllegalArgumentException("rbufs commit/abort: claim was made by another sender, not by " +
                "the rbufs sender of " + sender.domain());
        }
    }

    private void publish(final Claim claim)
    {
        final long token = Flyweights.token(claim);
        Flyweights.complete(claim); // first: a second commit of the same claim throws before touching any state
        final long base = transmitMaster ? ownShift + token * slotSize : token >>> 32;
        if (transmitMaster)
        {
            sentLength[(int)token] = claim.length();
        }
        else
        {
            postState[(int)slots.slot(base)] = WITH_RECEIVER;
        }
        activeClaims--;
        // Cannot fail: tryClaim reserved the room. The head goes out after the record is written.
        writer.write(FLAG_DATA, base, claim.length());
        counters.sent(claim.length());
        link.publish(writer.head(), reader.tail());
    }

    @Override
    public void abort(final Claim claim)
    {
        checkClaimOf(claim, this);
        enter("abort");
        takeBack(claim);
    }

    private void takeBack(final Claim claim)
    {
        final long token = Flyweights.token(claim);
        Flyweights.complete(claim);
        activeClaims--;
        if (transmitMaster)
        {
            sentLength[(int)token] = NOT_SENT;
            freeSlots[freeCount++] = (int)token;
        }
        else
        {
            spareBase[spareCount] = token >>> 32;
            spareLength[spareCount] = token & 0xFFFF_FFFFL;
            postState[(int)slots.slot(token >>> 32)] = POSTED;
            spareCount++;
        }
    }

    /**
     * On a path ({@link RbufsPath}), a message the hop before delivered, of one piece in the path's data area, is
     * handed on without copying: one DATA IOrec naming its region; the piece must be a region this domain holds as
     * delivered ({@link ForwardRefusedException} otherwise, counted, nothing changed). Any other message is copied
     * (by this domain, counted as bytes copied) into a region of this channel's own data area, then released. Only a
     * message this sender's domain holds can be forwarded.
     *
     * @throws ForwardRefusedException if the message names a path region this domain does not hold as delivered.
     */
    @Override
    public int forward(final Message message)
    {
        checkForwardable(message, domain);
        final Claim claim = forwardClaim;
        EndSupport.checkLength("rbufs forward", message.length(), maxMessageLength);
        Flyweights.checkClaimable(claim, message.length(), maxMessageLength);
        enter("forward");
        EndSupport.checkNotFinished("rbufs forward", finished);
        if (inbound != null && message.source() == inbound)
        {
            final int status = forwardOnPath(message);
            if (status != COPY)
            {
                return status;
            }
        }
        final int status = forward(message, claim);
        if (status == Status.OK)
        {
            copiedForwards++;
        }
        return status;
    }

    /**
     * Hands a region of the path's data area on: one DATA IOrec naming it, written into this channel's ring; the
     * hop before keeps it in custody until the next hop gives it back. No byte moves.
     *
     * @return {@link Status#OK}, {@link Status#BACK_PRESSURED} (nothing changed) or {@link #COPY} (not a path
     *         region: the caller copies).
     */
    private int forwardOnPath(final Message message)
    {
        final RbufsReceiver before = inbound;
        if (!before.admit())
        {
            throw state.closedException("forward"); // the hop before closed: so does this one (RbufsPath)
        }
        try
        {
            final long offset = before.forwardableOffset(message);
            if (offset < 0)
            {
                return COPY;
            }
            link.flush();
            if (!ringHasRoom())
            {
                reclaim(true); // the next hop's returns, and a fresh look at how far it has read
                if (!ringHasRoom())
                {
                    link.arm(reader.tail() + 1, writer.knownTail() + 1);
                    link.poll();
                    if (!ringHasRoom())
                    {
                        return Status.BACK_PRESSURED;
                    }
                }
            }
            writer.write(FLAG_DATA, offset, message.length()); // room checked above
            counters.sent(message.length());
            before.handedOn(message, offset);
            zeroCopyForwards++;
            link.publish(writer.head(), reader.tail());
            return Status.OK;
        }
        catch (final ForwardRefusedException ex)
        {
            throw ex; // the caller's mistake (or malice): nothing changed, the channel stays open
        }
        catch (final ProtocolViolationException ex)
        {
            throw state.broken(domain, ex);
        }
    }

    /**
     * @return whether the next hop has returned something this end has not read (for a waiting middle domain).
     */
    boolean hasReturns()
    {
        if (!admit())
        {
            return false;
        }
        try
        {
            if (!state.isOpen())
            {
                return false;
            }
            link.poll();
            return reader.hasNext();
        }
        catch (final ProtocolViolationException ex)
        {
            state.broken(domain, ex);
            return false;
        }
    }

    /**
     * @param before this domain's receiver of the path's hop before this one (set once by the path, before either
     *               end is used).
     */
    void pathInbound(final RbufsReceiver before)
    {
        this.inbound = before;
    }

    /**
     * @return forwards that handed a path region on without copying.
     */
    long zeroCopyForwards()
    {
        return zeroCopyForwards;
    }

    /**
     * @return forwards that copied (the message was not a region of this channel's path).
     */
    long copiedForwards()
    {
        return copiedForwards;
    }

    /**
     * @param message a message to forward.
     * @param domain  the forwarding sender's domain.
     * @throws BufferStateException     if the message is not held.
     * @throws IllegalArgumentException if another domain holds it.
     */
    static void checkForwardable(final Message message, final Domain domain)
    {
        if (!message.isHeld())
        {
            throw new BufferStateException("rbufs forward: cannot forward a message that is not held");
        }
        if (message.source().domain() != domain)
        {
            throw new IllegalArgumentException("rbufs forward: needs a message " + domain +
                " holds; this one is held by " + message.source().domain());
        }
    }

    private int forward(final Message message, final Claim claim)
    {
        final int length = message.length();
        final int status = claim(length, claim);
        if (status != Status.OK)
        {
            return status;
        }
        int done = 0;
        for (int i = 0; i < message.pieceCount(); i++)
        {
            final int pieceLength = message.pieceLength(i);
            domain.kernel().copy(domain, domain, message.pieceAddress(i), domain, claim.address() + done,
                pieceLength);
            done += pieceLength;
        }
        message.source().release(message);
        publish(claim);
        return Status.OK;
    }

    /**
     * Publishes the end word behind every committed record and wakes the receiver; if its wake-up ring is full this
     * waits (with a {@code BackoffIdleStrategy}) until it takes a wake-up, or the channel closes. Never back
     * pressured by data: the end takes no slot and no ring room. Once the end word is stored the stream has ended:
     * a receiver that polls sees it without the wake-up, and may finish its work and close the channel before the
     * wake-up goes. A close from then on ends this call normally (nobody is left to wake), as a close after an
     * fbufs or copy end message was committed does; a close before the call makes it throw.
     */
    @Override
    public void finish()
    {
        enter("finish");
        try
        {
            if (finished)
            {
                return;
            }
            checkNoActiveClaims(activeClaims);
            finished = true;
            link.publish(writer.head(), reader.tail());
            endIdle.reset();
            boolean sent;
            try
            {
                sent = link.publishEnd(writer.head());
                while (!sent && state.isOpen())
                {
                    endIdle.idle();
                    sent = link.flush();
                }
            }
            catch (final ChannelClosedException ex)
            {
                sent = false; // the end word is stored (publishEnd stores it before it wakes): ended, then closed
            }
            if (!sent)
            {
                admit(); // closed: this end touches nothing more, so the teardown may release its frames now
            }
        }
        catch (final ProtocolViolationException ex)
        {
            throw state.broken(domain, ex);
        }
    }

    /**
     * Ready now if a claim could find room; otherwise asks the receiver to signal its next return (or ring
     * progress) and registers on the wake-up channel: the receiver's signal triggers it (LMP) or its ring is
     * polled (UMP).
     */
    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        if (!admit())
        {
            EndSupport.registerReady(readyChannel, waitset, handler);
            return;
        }
        try
        {
            if (!state.isOpen() || roomNow())
            {
                EndSupport.registerReady(readyChannel, waitset, handler);
                return;
            }
            link.arm(reader.tail() + 1, writer.knownTail() + 1);
            if (roomNow())
            {
                EndSupport.registerReady(readyChannel, waitset, handler);
            }
            else
            {
                link.registerWake(waitset, handler);
            }
        }
        catch (final ProtocolViolationException ex)
        {
            throw state.broken(domain, ex);
        }
    }

    /** Whether a claim may find room: ring room and a free slot, a posted region, or an unread return. */
    private boolean roomNow()
    {
        link.poll();
        final boolean regions = transmitMaster ? freeCount > 0 : spareCount > 0;
        return ringHasRoom() && (regions || reader.hasNext());
    }

    @Override
    public void onCounters(final long head, final long tail)
    {
        writer.onTail(tail);
        reader.onHead(head);
    }

    /**
     * Signals this end's counters as they stand; tests call it after writing records by hand.
     */
    void signal()
    {
        link.publish(writer.head(), reader.tail());
    }

    /**
     * @return the writer of this end's control area (tests play a forging originator with it).
     */
    IoRecWriter writer()
    {
        return writer;
    }

    /**
     * @return this end's record of its thread and quiescence (the channel's teardown waits on it).
     */
    QuiescentEnd quiescentEnd()
    {
        return end;
    }

    /**
     * @return the link (tests forge counters on it).
     */
    CounterLink counterLink()
    {
        return link;
    }

    /**
     * @return free slots (transmit master), for tests.
     */
    int freeSlots()
    {
        return freeCount;
    }
}
