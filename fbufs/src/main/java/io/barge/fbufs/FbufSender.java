package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.notify.NotifySender;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.QuiescentEnd;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Arrays;
import java.util.function.BooleanSupplier;

import static io.barge.fbufs.AggregateDescriptor.LEAF;
import static io.barge.fbufs.AggregateDescriptor.LEFT_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.LENGTH_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.MAX_INLINE_PIECES;
import static io.barge.fbufs.AggregateDescriptor.NODE_LENGTH;
import static io.barge.fbufs.AggregateDescriptor.PAIR;
import static io.barge.fbufs.AggregateDescriptor.RIGHT_OFFSET;
import static io.barge.fbufs.AggregateDescriptor.TYPE_OFFSET;

/**
 * The originating end of an fbuf hop. {@link #tryClaim} allocates an fbuf on the hop's I/O path (from its free list
 * when cached); {@link #commit} passes it to the receiver: the kernel part raises protection (not volatile) and maps
 * into the receiver (not cached), then the root (integrated) or the piece list goes in one notification.
 * {@link #forward} passes a received aggregate on without touching its bytes; {@link #send(Aggregate)} sends any
 * aggregate this domain built (e.g. a header fbuf in front of a received message). Not thread safe.
 * <p>
 * Capacity: at most {@code capacity} messages are claimed, in flight or held by the receiver (the kernel's
 * in-flight record counts those the receiver released). When it retries a back-pressured claim itself, a
 * {@link BackoffIdleStrategy} suits it; one thread serving many channels registers it with
 * {@link #registerForSpace} (a polled registration: releases send no notification). {@link #finish()} sends an
 * end notification behind the messages.
 */
public final class FbufSender implements Sender
{
    /** Messages counted locally before {@code AGGREGATE_OPS} is added to the domain's counter. */
    static final int COUNT_BATCH = 64;

    private final FbufChannel channel;
    private final FbufRegion region;
    private final FbufMode mode;
    private final Domain domain;
    private final Domain target;
    private final AddressSpace space;
    private final int maxMessageLength;
    private final long[] handles = new long[InFlightRing.MAX_HANDLES];
    private final int[] offsets = new int[MAX_INLINE_PIECES];
    private final int[] lengths = new int[MAX_INLINE_PIECES];
    private final IdleStrategy notifyIdle = new BackoffIdleStrategy();
    private long[] claims = new long[8];
    private Claim[] claimed = new Claim[8];
    private int claimCount;
    private int nodeCursor;
    private long sent;
    /** Aggregate lists built (2.1) and not yet added to the domain's counter. */
    private int uncountedAggregates;
    private boolean finished;
    private final WaitsetChannel spaceChannel;
    // Polled by a waitset's thread: the exact count, leaving the sending thread's cached credit alone.
    private final BooleanSupplier spaceOrClosed = () -> !isOpenHop() || hasCreditExact();
    // This end's thread and quiescence: a teardown on another thread defers its frees until this end is quiescent.
    private final QuiescentEnd end = new QuiescentEnd();

    FbufSender(final FbufChannel channel, final Domain domain, final Domain target)
    {
        this.channel = channel;
        this.region = channel.region;
        this.mode = channel.mode;
        this.domain = domain;
        this.target = target;
        this.space = domain.addressSpace();
        this.maxMessageLength = channel.config.maxMessageLength();
        this.spaceChannel = new WaitsetChannel("fbufs-space " + domain);
    }

    private boolean isOpenHop()
    {
        return channel.isOpen();
    }

    /** Whether another message may be claimed: fewer than capacity claimed, in flight or held. */
    private boolean hasCredit()
    {
        return channel.inFlight.hasCredit(claimCount);
    }

    private boolean hasCreditExact()
    {
        return channel.inFlight.unreleased() + claimCount < channel.inFlight.capacity();
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

    /**
     * @return the I/O path this sender allocates on (for header fbufs and aggregates it builds).
     */
    public IoPath path()
    {
        return channel.path;
    }

    @Override
    public int tryClaim(final int length, final Claim claim)
    {
        enter("tryClaim");
        try
        {
            return published(claimFbuf(length, claim));
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "tryClaim");
        }
    }

    private int claimFbuf(final int length, final Claim claim)
    {
        channel.checkOpen("tryClaim");
        EndSupport.checkNotFinished("fbufs tryClaim", finished);
        EndSupport.checkLength("fbufs tryClaim", length, maxMessageLength);
        Flyweights.checkClaimable(claim, length, maxMessageLength);
        if (!hasCredit())
        {
            return Status.BACK_PRESSURED;
        }
        final long handle = channel.path.allocateForClaim(
            mode.integrated() ? AggregateDescriptor.withNodes(length, 1) : length);
        if (handle == FbufRegion.NO_FBUF)
        {
            return Status.BACK_PRESSURED;
        }
        addClaim(handle, claim);
        Flyweights.wrap(claim, space, region.address(handle), length, handle, this);
        return Status.OK;
    }

    /** A claim, forward or send that did not go through is when the end idles: its counts are published then. */
    private int published(final int status)
    {
        if (status != Status.OK)
        {
            publishCounts();
        }
        return status;
    }

    /**
     * Adds the aggregate lists built since the last call to the domain's {@code AGGREGATE_OPS}. The counter is an
     * atomic add on a word every channel of the domain shares (a full fence, which on two cores waits for every store
     * of the message before it to reach the other core), so a message does not pay it: the count goes in every
     * {@link #COUNT_BATCH} messages, whenever a claim is back pressured, at {@link #finish()} and at teardown, like
     * UMP's notification count. A reader that needs the exact figure mid-stream calls this on the sending thread.
     */
    void publishCounts()
    {
        final int n = uncountedAggregates;
        if (n > 0)
        {
            uncountedAggregates = 0;
            domain.count(CounterType.AGGREGATE_OPS, n);
        }
    }

    @Override
    public void commit(final Claim claim)
    {
        enter("commit");
        try
        {
            commitClaim(claim);
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "commit");
        }
    }

    private void commitClaim(final Claim claim)
    {
        final long handle = checkClaim(claim, "commit");
        final long address = claim.address();
        final int length = claim.length();
        Flyweights.complete(claim);
        removeClaim(handle);
        handles[0] = handle;
        if (mode.integrated())
        {
            final long node = address + AggregateDescriptor.nodeAreaOffset(length);
            writeLeaf(node, address, length);
            transfer(1);
            notifyRoot(node, length);
        }
        else
        {
            offsets[0] = (int)(address - region.base());
            lengths[0] = length;
            transfer(1);
            notifyPieces(1, length);
        }
    }

    @Override
    public void abort(final Claim claim)
    {
        enter("abort");
        try
        {
            abortClaim(claim);
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "abort");
        }
    }

    private void abortClaim(final Claim claim)
    {
        final long handle = checkClaim(claim, "abort");
        Flyweights.complete(claim);
        removeClaim(handle);
        region.release(handle);
    }

    /**
     * Passes a message this domain received on an fbufs channel of the same transport to the next domain, without
     * touching its bytes: the references move on, and the root (integrated) or the validated pieces are sent.
     *
     * @param message a held message received by this sender's domain.
     * @return {@link Status#OK} (the message is consumed) or {@link Status#BACK_PRESSURED} (still held).
     */
    @Override
    public int forward(final Message message)
    {
        enter("forward");
        try
        {
            return published(forwardMessage(message));
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "forward");
        }
    }

    private int forwardMessage(final Message message)
    {
        channel.checkOpen("forward");
        EndSupport.checkNotFinished("fbufs forward", finished);
        if (!message.isHeld())
        {
            throw new BufferStateException("fbufs forward: cannot forward a message that is not held");
        }
        if (!(message.source() instanceof FbufReceiver) ||
            ((FbufReceiver)message.source()).transport() != channel.transport || message.source().domain() != domain)
        {
            throw new IllegalArgumentException("fbufs forward: needs a message " + domain +
                " received on an fbufs channel of the same transport");
        }
        if (!hasCredit())
        {
            return Status.BACK_PRESSURED;
        }
        final FbufReceiver source = (FbufReceiver)message.source();
        final FbufReceiver.RxState rx = (FbufReceiver.RxState)Flyweights.attachment(message);
        System.arraycopy(rx.handles, 0, handles, 0, rx.handleCount);
        final int count = rx.handleCount;
        if (mode.integrated())
        {
            transfer(count);
            notifyRoot(rx.root, message.length());
        }
        else
        {
            final PieceList pieces = rx.pieces;
            for (int i = 0; i < pieces.count; i++)
            {
                final long address = pieces.addresses[i];
                // A zero piece keeps its length and an offset past the region's end: the next hop rejects it too.
                offsets[i] = region.contains(address, pieces.lengths[i]) ? (int)(address - region.base()) :
                    (int)region.length();
                lengths[i] = pieces.lengths[i];
            }
            transfer(count);
            notifyPieces(pieces.count, (int)pieces.totalLength);
        }
        source.consumeMoved(message, rx);
        return Status.OK;
    }

    /**
     * Sends an aggregate this domain built, taking over its references (it is empty afterwards). In integrated mode
     * its nodes are written into a fresh fbuf of this sender's path, a balanced tree of pairs over the leaves.
     *
     * @param aggregate a non-empty aggregate of this domain, of at most {@link #maxMessageLength()} bytes.
     * @return {@link Status#OK} or {@link Status#BACK_PRESSURED} (the aggregate is unchanged).
     */
    public int send(final Aggregate aggregate)
    {
        enter("send");
        try
        {
            return published(sendAggregate(aggregate));
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "send");
        }
    }

    private int sendAggregate(final Aggregate aggregate)
    {
        channel.checkOpen("send");
        EndSupport.checkNotFinished("fbufs send", finished);
        checkAggregate(aggregate);
        if (!hasCredit())
        {
            return Status.BACK_PRESSURED;
        }
        int count = 0;
        for (int i = 0; i < aggregate.pieceCount(); i++)
        {
            if (aggregate.pieceHandle(i) != FbufRegion.NO_FBUF)
            {
                handles[count++] = aggregate.pieceHandle(i);
            }
        }
        if (mode.integrated())
        {
            final int nodes = 2 * aggregate.pieceCount() - 1;
            final long nodeFbuf = channel.path.allocate(nodes * NODE_LENGTH);
            if (nodeFbuf == FbufRegion.NO_FBUF)
            {
                return Status.BACK_PRESSURED;
            }
            handles[count++] = nodeFbuf;
            final long base = region.address(nodeFbuf);
            nodeCursor = 0;
            final long root = writeTree(aggregate, 0, aggregate.pieceCount() - 1, base);
            transfer(count);
            notifyRoot(root, aggregate.length());
        }
        else
        {
            for (int i = 0; i < aggregate.pieceCount(); i++)
            {
                final long address = aggregate.pieceAddress(i);
                offsets[i] = aggregate.pieceHandle(i) == FbufRegion.NO_FBUF ? (int)region.length() :
                    (int)(address - region.base());
                lengths[i] = aggregate.pieceLength(i);
            }
            transfer(count);
            notifyPieces(aggregate.pieceCount(), aggregate.length());
        }
        aggregate.disown();
        return Status.OK;
    }

    private void checkAggregate(final Aggregate aggregate)
    {
        if (aggregate.domain() != domain)
        {
            throw new IllegalArgumentException("fbufs send: aggregate belongs to " + aggregate.domain() +
                ", not " + domain);
        }
        if (aggregate.length() < 1 || aggregate.length() > maxMessageLength)
        {
            throw new IllegalArgumentException("fbufs send: aggregate length=" + aggregate.length() +
                " must be in [1, " + maxMessageLength + "]");
        }
        final int limit = mode.integrated() ? InFlightRing.MAX_HANDLES - 1 : MAX_INLINE_PIECES;
        if (aggregate.pieceCount() > limit)
        {
            throw new IllegalArgumentException("fbufs send: aggregate has " + aggregate.pieceCount() +
                " pieces; this mode sends at most " + limit);
        }
    }

    private long writeTree(final Aggregate aggregate, final int lo, final int hi, final long base)
    {
        final long node = base + (long)nodeCursor++ * NODE_LENGTH;
        if (lo == hi)
        {
            final long address = aggregate.pieceHandle(lo) == FbufRegion.NO_FBUF ?
                AggregateWalker.zeroAddress(space) : aggregate.pieceAddress(lo);
            writeLeaf(node, address, aggregate.pieceLength(lo));
            return node;
        }
        final int mid = (lo + hi) >>> 1;
        final long left = writeTree(aggregate, lo, mid, base);
        final long right = writeTree(aggregate, mid + 1, hi, base);
        space.putInt(node + TYPE_OFFSET, PAIR);
        space.putInt(node + LENGTH_OFFSET, 0);
        space.putLong(node + LEFT_OFFSET, left);
        space.putLong(node + RIGHT_OFFSET, right);
        return node;
    }

    private void writeLeaf(final long node, final long address, final int length)
    {
        space.putInt(node + TYPE_OFFSET, LEAF);
        space.putInt(node + LENGTH_OFFSET, length);
        space.putLong(node + LEFT_OFFSET, address);
        space.putLong(node + RIGHT_OFFSET, 0L);
    }

    /**
     * The kernel's part of a send (seed 004 overheads 2.1-2.3 and, uncached, 3.2): protection raised on fbufs this
     * domain originated (not volatile), one flush, receiver mappings added (not cached), the references recorded as
     * in flight.
     */
    private void transfer(final int count)
    {
        boolean lowered = false;
        for (int i = 0; i < count; i++)
        {
            final long handle = handles[i];
            if (!mode.isVolatile() && region.pathOf(handle).originator() == domain)
            {
                lowered |= region.raiseProtection(handle);
            }
            if (!mode.cached())
            {
                region.mapForReceiver(handle, target);
            }
        }
        if (lowered)
        {
            region.flush(domain);
        }
        // 2.1: the list of fbufs handed to the kernel, built in every mode (handles[0..count) above); counted in
        // batches (see publishCounts).
        if (++uncountedAggregates >= COUNT_BATCH)
        {
            publishCounts();
        }
        if (!channel.inFlight.offer(handles, count))
        {
            throw new IllegalStateException("in-flight record full despite the claim-time check");
        }
        sent++;
    }

    private void notifyRoot(final long root, final int length)
    {
        channel.counters.sent(length);
        final NotifySender notifier = channel.notify.sender();
        final int at = claimNotification(notifier);
        notifier.buffer().putLong(at + AggregateDescriptor.ROOT_ADDRESS_OFFSET, root);
        notifier.commit(AggregateDescriptor.ROOT_MESSAGE, AggregateDescriptor.ROOT_MESSAGE_LENGTH);
    }

    private void notifyPieces(final int count, final int total)
    {
        channel.counters.sent(total);
        final NotifySender notifier = channel.notify.sender();
        final int at = claimNotification(notifier);
        final MutableDirectBuffer buffer = notifier.buffer();
        buffer.putInt(at + AggregateDescriptor.PIECE_COUNT_OFFSET, count);
        buffer.putInt(at + AggregateDescriptor.TOTAL_LENGTH_OFFSET, total);
        for (int i = 0; i < count; i++)
        {
            buffer.putInt(at + AggregateDescriptor.pieceOffsetOffset(i), offsets[i]);
            buffer.putInt(at + AggregateDescriptor.pieceLengthOffset(i), lengths[i]);
        }
        notifier.commit(AggregateDescriptor.PIECES_MESSAGE, AggregateDescriptor.piecesMessageLength(count));
    }

    private int claimNotification(final NotifySender notifier)
    {
        // A free in-flight record implies a free slot (the ring has twice as many); the wait covers a lagging ack.
        int at;
        notifyIdle.reset();
        while ((at = notifier.tryClaim()) < 0)
        {
            channel.checkOpen("send"); // the operation is named by closedIfTorn's caller
            notifyIdle.idle();
        }
        return at;
    }

    private long checkClaim(final Claim claim, final String operation)
    {
        if (!claim.isActive())
        {
            channel.checkOpen(operation); // a teardown ended it: say so
            throw new BufferStateException("fbufs " + operation + ": claim is not active (already committed or " +
                "aborted)");
        }
        if (Flyweights.attachment(claim) != this)
        {
            throw new IllegalArgumentException("fbufs " + operation + ": claim was not made by this sender");
        }
        channel.checkOpen(operation);
        return Flyweights.token(claim);
    }

    /**
     * Sends the end notification behind every message sent so far; the receiver checks the count it carries.
     */
    @Override
    public void finish()
    {
        enter("finish");
        try
        {
            channel.checkOpen("finish");
            if (finished)
            {
                return;
            }
            if (claimCount > 0)
            {
                throw new IllegalStateException("fbufs finish: " + claimCount + " claim(s) still active: commit or " +
                    "abort them first");
            }
            final NotifySender notifier = channel.notify.sender();
            final int at = claimNotification(notifier);
            notifier.buffer().putLong(at + AggregateDescriptor.END_COUNT_OFFSET, sent);
            finished = true;
            notifier.commit(AggregateDescriptor.END_MESSAGE, AggregateDescriptor.END_MESSAGE_LENGTH);
            publishCounts();
        }
        catch (final RuntimeException ex)
        {
            throw failed(ex, "finish");
        }
    }

    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        if (spaceOrClosed.getAsBoolean())
        {
            EndSupport.registerReady(spaceChannel, waitset, handler);
        }
        else
        {
            spaceChannel.registerPolled(waitset, handler, spaceOrClosed);
        }
    }

    /** Teardown: a registered space handler runs once more and learns of the close. */
    void closed()
    {
        spaceChannel.trigger();
    }

    private void addClaim(final long handle, final Claim claim)
    {
        if (claimCount == claims.length)
        {
            claims = Arrays.copyOf(claims, claimCount * 2);
            claimed = Arrays.copyOf(claimed, claimCount * 2);
        }
        claimed[claimCount] = claim;
        claims[claimCount++] = handle;
    }

    private void removeClaim(final long handle)
    {
        for (int i = 0; i < claimCount; i++)
        {
            if (claims[i] == handle)
            {
                claims[i] = claims[--claimCount];
                claimed[i] = claimed[claimCount];
                claimed[claimCount] = null;
                return;
            }
        }
    }

    void releaseAll()
    {
        publishCounts(); // teardown, once the ends are quiet

        for (int i = 0; i < claimCount; i++)
        {
            // End the claim before its fbuf goes, so its writes raise BufferStateException rather than land.
            completeQuietly(claimed[i]);
            claimed[i] = null;
            FbufReceiver.releaseQuietly(region, claims[i]);
        }
        claimCount = 0;
    }

    /**
     * Starts a call: records the thread, then reads the open flag; on a closed hop this end is quiescent from here and
     * the call throws, touching nothing.
     */
    private void enter(final String operation)
    {
        if (!channel.admit(end))
        {
            throw channel.closedException(operation);
        }
    }

    /**
     * A call failed: the failure as the caller sees it ({@link FbufChannel#closedIfTorn}); on a closed hop this end
     * is quiescent from here, as the call touches nothing more, so the teardown need not wait for its next call.
     */
    private RuntimeException failed(final RuntimeException ex, final String operation)
    {
        final RuntimeException failure = channel.closedIfTorn(ex, operation);
        if (!channel.isOpenFlag())
        {
            end.quiescent();
        }
        return failure;
    }

    /**
     * @return this end's record for the hop's deferred teardown.
     */
    QuiescentEnd quiescentEnd()
    {
        return end;
    }

    private void completeQuietly(final Claim claim)
    {
        try
        {
            if (claim != null && claim.isActive() && Flyweights.attachment(claim) == this)
            {
                Flyweights.complete(claim);
            }
        }
        catch (final BufferStateException ex)
        {
            // The sending thread committed or aborted it at the same moment: it is ended either way.
        }
    }

    @Override
    public String toString()
    {
        return "FbufSender{" + domain + " -> " + target + "}";
    }
}
