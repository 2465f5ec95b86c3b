package io.barge.rbufs;

import io.barge.core.AddressSpace;
import io.barge.core.ChannelClosedException;
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
import org.agrona.concurrent.EpochNanoClock;

import java.util.function.BooleanSupplier;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;

/**
 * The originator of a multicast (transmit-master mode): one data area, one control area per receiver. A commit
 * puts the same DATA IOrec in every attached receiver's ring and gives the slot one reference per receiver; a
 * receiver's FREE IOrec drops its reference (checked against what that receiver holds: forged and repeated returns
 * are rejected), and the slot is free when the last one is gone.
 * <p>
 * Each receiver's ring is bounded, so it holds at most that many messages; when it is full (or the data area is)
 * everybody waits. A receiver that holds messages and returns nothing for longer than the detach timeout is
 * detached: its references are dropped, its control areas and event channels freed, the data area unmapped from
 * it, and the others go on. A receiver that breaks the protocol, or whose domain dies, is detached the same way.
 * One thread at a time (handed over with a happens-before edge; not checked, see {@link QuiescentEnd}); every public
 * call first records its thread and reads the state. A receiver's death on another thread is a detach request
 * ({@link #requestDetach}) that this end applies on its own thread at its next call, before it touches any link.
 * <p>
 * When it retries a back-pressured claim itself, a {@code BackoffIdleStrategy} suits it (or call {@link #doWork}
 * from an agent's duty cycle); {@link #registerForSpace} is a polled registration for this sender's own thread.
 */
final class MulticastSender extends LinePadding implements Sender
{
    private static final long NOT_SENT = 0;
    private static final long CLAIMED = -1;

    private final RbufsMulticast owner;
    private final QuiescentEnd end = new QuiescentEnd();
    /** Set (volatile) by {@link #requestDetach} on any thread; read on every call after the state. */
    private volatile boolean detachPending;
    private final Domain domain;
    private final AddressSpace space;
    private final long dataBase;
    private final int slotSize;
    private final SlotIndex slotIndex;
    private final int maxMessageLength;
    private final MulticastLink[] links;
    private final EpochNanoClock clock;
    private final long detachTimeoutNs;
    private final IoRec rec = new IoRec();
    private final Claim forwardClaim = new Claim();
    private final int[] freeSlots;
    private int freeCount;
    private final long[] sentLength;
    private final int[] references;
    private int activeClaims;
    private boolean finished;
    private final WaitsetChannel spaceChannel = new WaitsetChannel("rbufs-multicast-space");
    private final BooleanSupplier spaceOrClosed = this::spaceOrClosed;
    private final IdleStrategy endIdle = new BackoffIdleStrategy();

    MulticastSender(final RbufsMulticast owner, final Domain domain, final long dataBase, final int slotSize,
        final int slots, final int maxMessageLength, final MulticastLink[] links, final EpochNanoClock clock,
        final long detachTimeoutNs)
    {
        this.owner = owner;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.dataBase = dataBase;
        this.slotSize = slotSize;
        this.slotIndex = new SlotIndex(slotSize);
        this.maxMessageLength = maxMessageLength;
        this.links = links;
        this.clock = clock;
        this.detachTimeoutNs = detachTimeoutNs;
        this.freeSlots = new int[slots];
        this.sentLength = new long[slots];
        this.references = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            freeSlots[i] = slots - 1 - i;
        }
        this.freeCount = slots;
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
        Flyweights.checkClaimable(claim, length, maxMessageLength);
        enter();
        EndSupport.checkNotFinished("rbufs tryClaim", finished);
        return claim(length, claim);
    }

    private void enter()
    {
        if (!admit())
        {
            throw owner.closedException();
        }
        owner.checkOpen();
    }

    /**
     * Records this thread, reads the state ({@link QuiescentEnd}, step 1), then applies detach requests.
     *
     * @return false if the multicast is closed: this end is quiescent and touches no link.
     */
    private boolean admit()
    {
        end.enter();
        if (owner.isClosed())
        {
            end.quiescent();
            return false;
        }
        if (detachPending)
        {
            applyDetaches();
        }
        return true;
    }

    /**
     * Asks this end to detach a receiver (its domain died), from any thread: applied now if this is the end's own
     * thread, else by the end's next call on its thread, before it touches any link. The link's frames wait until
     * then and until its receiver end is quiescent ({@link MulticastLink#teardown}).
     */
    void requestDetach(final MulticastLink link, final RuntimeException reason)
    {
        link.state.detached(reason);
        link.state.close(); // full fence: the receiver end's next call sees it, and the link's teardown reads its thread
        link.detachRequested = true;
        detachPending = true; // volatile, then our read of the end's thread: QuiescentEnd's Dekker pair
        if (end.lastThread() == Thread.currentThread())
        {
            applyDetaches();
        }
        link.teardown();
    }

    private void applyDetaches()
    {
        detachPending = false;
        for (final MulticastLink link : links)
        {
            if (link.detachRequested)
            {
                detach(link, link.state.cause() instanceof RuntimeException ? (RuntimeException)link.state.cause() :
                    new ChannelClosedException("multicast receiver " + link.receiverDomain + " detached"));
            }
        }
    }

    private int claim(final int length, final Claim claim)
    {
        if (!hasRoom())
        {
            work();
            if (!hasRoom())
            {
                // Ask every receiver to wake this end at its next return or ack, then look once more (one may
                // have published before it could see the request).
                for (final MulticastLink link : links)
                {
                    if (link.attached)
                    {
                        link.link.arm(link.reader.tail() + 1, link.writer.knownTail() + 1);
                    }
                }
                work();
                if (!hasRoom())
                {
                    return Status.BACK_PRESSURED;
                }
            }
        }
        final int slot = freeSlots[--freeCount];
        sentLength[slot] = CLAIMED;
        activeClaims++;
        Flyweights.wrap(claim, space, dataBase + (long)slot * slotSize, length, slot, this);
        return Status.OK;
    }

    private boolean hasRoom()
    {
        if (freeCount == 0)
        {
            return false;
        }
        for (final MulticastLink link : links)
        {
            if (link.attached && !link.ringHasRoom(activeClaims + 1))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes back returned regions from every receiver and detaches those past the timeout. Call it when idle, as
     * an agent's duty cycle would; {@link #tryClaim} calls it when it finds no room.
     *
     * @return regions taken back plus receivers detached.
     */
    int doWork()
    {
        enter();
        return work();
    }

    private int work()
    {
        int work = 0;
        for (final MulticastLink link : links)
        {
            if (link.attached)
            {
                work += reclaim(link);
            }
        }
        final long now = clock.nanoTime();
        for (final MulticastLink link : links)
        {
            if (link.attached && !link.state.isOpen())
            {
                detach(link, new ChannelClosedException("multicast receiver " + link.receiverDomain +
                    " broke its end: " + link.state.cause()));
                work++;
            }
            else if (link.attached && link.outstanding > 0 && now - link.lastProgressNs > detachTimeoutNs)
            {
                detach(link, new ChannelClosedException("multicast receiver " + link.receiverDomain +
                    " detached: held " + link.outstanding + " regions without returning any for " +
                    (now - link.lastProgressNs) + " ns > timeout " + detachTimeoutNs + " ns"));
                work++;
            }
        }
        return work;
    }

    private int reclaim(final MulticastLink link)
    {
        int freed = 0;
        try
        {
            link.link.flush();
            link.link.poll();
            while (link.reader.read(rec))
            {
                for (int i = 0; i < rec.count; i++)
                {
                    if (dropReference(link, rec.bases[i], rec.lengths[i]))
                    {
                        freed++;
                    }
                    else
                    {
                        domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                    }
                }
            }
        }
        catch (final ProtocolViolationException ex)
        {
            link.state.broken(domain, ex);
            detach(link, ex);
            return freed + 1;
        }
        if (freed > 0)
        {
            link.lastProgressNs = clock.nanoTime();
        }
        return freed;
    }

    private boolean dropReference(final MulticastLink link, final long base, final long length)
    {
        final long slot = slotIndex.slot(base);
        if (base < 0 || !slotIndex.isStart(base) || slot >= references.length || !link.held[(int)slot] ||
            sentLength[(int)slot] != length)
        {
            return false;
        }
        link.held[(int)slot] = false;
        link.outstanding--;
        unreference((int)slot);
        return true;
    }

    private void unreference(final int slot)
    {
        if (--references[slot] == 0)
        {
            sentLength[slot] = NOT_SENT;
            freeSlots[freeCount++] = slot;
        }
    }

    /**
     * Detaches a receiver: drops every reference it holds, frees its control areas and event channels and unmaps
     * the data area from it. Its end sees {@link ChannelClosedException} from then on.
     */
    void detach(final MulticastLink link, final RuntimeException reason)
    {
        if (!link.attached)
        {
            return;
        }
        link.attached = false;
        link.state.detached(reason);
        link.state.close(); // the receiver end's next call sees it and is quiescent
        for (int slot = 0; slot < link.held.length; slot++)
        {
            if (link.held[slot])
            {
                link.held[slot] = false;
                unreference(slot);
            }
        }
        link.outstanding = 0;
        owner.release(link);
    }

    @Override
    public void commit(final Claim claim)
    {
        RbufsSender.checkClaimOf(claim, this);
        enter();
        publish(claim);
    }

    private void publish(final Claim claim)
    {
        final int slot = (int)Flyweights.token(claim);
        final int length = claim.length();
        Flyweights.complete(claim); // first: a second commit of the same claim throws before touching any state
        activeClaims--;
        sentLength[slot] = length;
        final long base = (long)slot * slotSize;
        int receivers = 0;
        long now = 0;
        for (final MulticastLink link : links)
        {
            if (!link.attached)
            {
                continue;
            }
            link.writer.write(FLAG_DATA, base, length); // room reserved by tryClaim
            link.counters.sent(length);
            link.held[slot] = true;
            if (link.outstanding++ == 0)
            {
                now = now == 0 ? clock.nanoTime() : now;
                link.lastProgressNs = now; // the timeout runs from the first message it holds
            }
            receivers++;
        }
        // The references are set before any signal, so a receiver whose signal fails is detached without leaking one.
        references[slot] = receivers;
        if (receivers == 0)
        {
            sentLength[slot] = NOT_SENT;
            freeSlots[freeCount++] = slot;
            return;
        }
        for (final MulticastLink link : links)
        {
            if (link.attached)
            {
                signal(link);
            }
        }
    }

    private void signal(final MulticastLink link)
    {
        try
        {
            link.link.publish(link.writer.head(), link.reader.tail());
        }
        catch (final ChannelClosedException ex)
        {
            // Its event channel is gone (its domain is dying): detached like a slow receiver, the others go on.
            detach(link, ex);
        }
    }

    @Override
    public void abort(final Claim claim)
    {
        RbufsSender.checkClaimOf(claim, this);
        enter();
        final int slot = (int)Flyweights.token(claim);
        Flyweights.complete(claim);
        activeClaims--;
        sentLength[slot] = NOT_SENT;
        freeSlots[freeCount++] = slot;
    }

    /**
     * Copies the message into a region of the data area (counted as bytes copied), then releases it. Only a message
     * this sender's domain holds can be forwarded.
     */
    @Override
    public int forward(final Message message)
    {
        RbufsSender.checkForwardable(message, domain);
        Flyweights.checkClaimable(forwardClaim, message.length(), maxMessageLength);
        enter();
        return forwardHeld(message);
    }

    private int forwardHeld(final Message message)
    {
        final int status = claim(message.length(), forwardClaim);
        if (status != Status.OK)
        {
            return status;
        }
        int done = 0;
        for (int i = 0; i < message.pieceCount(); i++)
        {
            final int pieceLength = message.pieceLength(i);
            domain.kernel().copy(domain, domain, message.pieceAddress(i), domain, forwardClaim.address() + done,
                pieceLength);
            done += pieceLength;
        }
        message.source().release(message);
        publish(forwardClaim);
        return Status.OK;
    }

    /**
     * Ends the stream on every attached receiver: each gets its end word and a wake-up (waiting, with a
     * {@code BackoffIdleStrategy}, while a receiver's wake-up ring is full and it stays attached).
     */
    @Override
    public void finish()
    {
        enter();
        if (finished)
        {
            return;
        }
        RbufsSender.checkNoActiveClaims(activeClaims);
        finished = true;
        for (final MulticastLink link : links)
        {
            if (link.attached)
            {
                endOn(link);
            }
        }
    }

    private void endOn(final MulticastLink link)
    {
        try
        {
            link.link.publish(link.writer.head(), link.reader.tail());
            endIdle.reset();
            boolean sent = link.link.publishEnd(link.writer.head());
            while (!sent && link.attached)
            {
                owner.checkOpen();
                endIdle.idle();
                sent = link.link.flush();
            }
        }
        catch (final ChannelClosedException ex)
        {
            detach(link, ex); // its event channel is gone: detached like a slow receiver, the others end
        }
    }

    /**
     * A polled registration: the poller looks for room as {@link #tryClaim} would, taking back returns, so the
     * waitset must be dispatched by this sender's thread.
     */
    @Override
    public void registerForSpace(final Waitset waitset, final Runnable handler)
    {
        if (spaceOrClosed())
        {
            EndSupport.registerReady(spaceChannel, waitset, handler);
        }
        else
        {
            spaceChannel.registerPolled(waitset, handler, spaceOrClosed);
        }
    }

    private boolean spaceOrClosed()
    {
        if (!admit())
        {
            return true;
        }
        try
        {
            owner.checkOpen();
        }
        catch (final ChannelClosedException ex)
        {
            return true; // the handler's next call reports it
        }
        if (!hasRoom())
        {
            work();
        }
        return hasRoom();
    }

    /**
     * @return this end's record of its thread and quiescence.
     */
    QuiescentEnd quiescentEnd()
    {
        return end;
    }

    /**
     * @return free data slots, for tests.
     */
    int freeSlots()
    {
        return freeCount;
    }

    /**
     * @param slot a slot.
     * @return receivers still holding it, for tests.
     */
    int references(final int slot)
    {
        return references[slot];
    }
}
