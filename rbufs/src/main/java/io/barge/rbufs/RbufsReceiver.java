package io.barge.rbufs;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.ChannelCounters;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import io.barge.core.transport.spi.QuiescentEnd;
import io.barge.core.transport.spi.WaitingReceive;
import org.agrona.collections.LongArrayQueue;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;

/**
 * The receiver's end of an Rbufs channel. It reads DATA IOrecs from the originator's control area, each copied out
 * once and checked before use: every pair must lie inside the data area (and, in receive-master mode, be a region
 * this end posted and has not had back). An invalid IOrec is rejected and counted, and the next one is tried.
 * Releasing gives the regions back: in transmit-master mode by FREE IOrecs to the originator, in receive-master
 * mode by posting them again as EMPTY IOrecs. Messages are views of the read-only data area mapping. One thread at
 * a time (handed over with a happens-before edge; not checked, see {@link QuiescentEnd}); every public call first
 * records its thread and reads the state ({@link #admit}), and a teardown leaves the frames this end reaches until
 * it is quiescent ({@link RbufsChannel}), so no frame is freed under it.
 * <p>
 * Held messages: a protocol violation breaks the channel but returns nothing, so what this end holds stays
 * readable until the channel closes. Closing (or the originator's death, whose frames the data area is) frees
 * the data area and the kernel unmaps it here: a held message then faults with
 * {@link io.barge.core.ProtectionFault} on every read, never shows another domain's bytes, and may still be
 * released (which returns nothing).
 * <p>
 * It can hold every slot of the data area, {@code capacity} messages, at once. When it polls in a loop of its own,
 * a {@code BackoffIdleStrategy} suits it (an empty poll arms a wake-up, so it may also block on its waitset
 * instead: {@link #register}). The stream ends when the originator's end word is set and this end has consumed up
 * to the head it names.
 * <p>
 * On a path ({@link RbufsPath}) the pairs below the path area's length name the path's data area: each must be a
 * slot's start, no longer than a slot, and a region this end neither holds nor has out (else rejected and counted);
 * this end keeps custody of them until they are released (given back upstream) or handed on by this domain's
 * sender of the next hop, whose returns it passes upstream at each poll.
 */
final class RbufsReceiver extends LinePadding implements Receiver, CounterLink.Listener
{
    private ChannelCounters counters;
    private static final byte IDLE = 0;
    private static final byte POSTED = 1;
    private static final byte HELD = 2;

    private final EndState state;
    private final QuiescentEnd end = new QuiescentEnd();
    private final Domain domain;
    private final AddressSpace space;
    private final boolean transmitMaster;
    private final long dataBase;
    private final long areaLength;
    private final int slotSize;
    private final SlotIndex slotIndex;
    private final IoRecReader reader;
    private final IoRecWriter writer;
    private final IoRec rec = new IoRec();
    private final long[] batchBase = new long[IoRecDescriptor.MAX_PAIRS];
    private final long[] batchLength = new long[IoRecDescriptor.MAX_PAIRS];
    private int batchCount;
    private final byte[] slotState;
    // Returns the ring had no room for yet: base, length pairs; drained before anything new is written.
    private final LongArrayQueue pending = new LongArrayQueue(64, Long.MIN_VALUE);
    private CounterLink link;
    private long ackedTail;
    private long publishedHead;
    private final int slots;
    private final int returnBatch;
    private int held;
    private int unsignalled;
    private final Message flyweight = new Message();
    private final WaitsetChannel readyChannel = new WaitsetChannel("rbufs-ready");
    private final WaitingReceive waiting = new WaitingReceive(this);
    private volatile boolean endOfStream;

    // On a path (RbufsPath): record offsets below pathLength name the path's data area, mapped read-only here at
    // pathBase; offsets from pathLength on name this channel's own data area at dataBase. 0 off a path.
    private final long pathLength;
    private final long pathBase;
    // What this end was given of the path's area (null off a path).
    private final PathCustody custody;
    // The next hop's sender in this domain, whose returns of forwarded regions this end passes upstream; null off a
    // path, at the path's last hop and once that hop has closed. Plain: only this end's thread writes it.
    private RbufsSender outbound;
    // The next hop closed: this end gives back what it forwarded at its next call, on its own thread.
    private volatile boolean orphansPending;
    private final BooleanSupplier pathReady = this::pathReady;

    RbufsReceiver(final EndState state, final Domain domain, final boolean transmitMaster, final long dataBase,
        final long areaLength, final int slotSize, final int slots, final IoRecReader reader,
        final IoRecWriter writer)
    {
        this(state, domain, transmitMaster, dataBase, areaLength, slotSize, slots, reader, writer, 0, 0);
    }

    /**
     * @param pathBase   the path's data area in this domain (a receiver on a path).
     * @param pathLength bytes of the path's data area, 0 off a path; record offsets below it name that area.
     */
    RbufsReceiver(final EndState state, final Domain domain, final boolean transmitMaster, final long dataBase,
        final long areaLength, final int slotSize, final int slots, final IoRecReader reader,
        final IoRecWriter writer, final long pathBase, final long pathLength)
    {
        this.state = state;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.transmitMaster = transmitMaster;
        this.dataBase = dataBase;
        this.areaLength = pathLength + areaLength;
        this.pathBase = pathBase;
        this.pathLength = pathLength;
        this.custody = pathLength == 0 ? null : new PathCustody(domain, pathLength, slotSize);
        this.slotSize = slotSize;
        this.slotIndex = new SlotIndex(slotSize);
        this.reader = reader;
        this.writer = writer;
        this.slotState = new byte[transmitMaster ? 0 : slots];
        this.slots = slots;
        this.returnBatch = Math.max(1, slots / 4);
    }

    /**
     * Connects the event channels; in receive-master mode posts every slot as an empty region.
     *
     * @param link this end's counter link.
     */
    void counters(final ChannelCounters counters)
    {
        this.counters = counters;
    }

    void link(final CounterLink link)
    {
        this.link = link;
        if (!transmitMaster)
        {
            for (int slot = 0; slot < slotState.length; slot++)
            {
                slotState[slot] = POSTED;
                giveBack((long)slot * slotSize, slotSize);
            }
            publish();
        }
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

    @Override
    public int poll(final Message into)
    {
        if (into.isHeld())
        {
            throw new BufferStateException("rbufs poll: message is still held: release it before polling into it " +
                "again");
        }
        end.enter();
        if (!state.isOpen())
        {
            throw closed("poll");
        }
        return endOfStream ? Status.END_OF_STREAM : take(into);
    }

    private int take(final Message into)
    {
        try
        {
            if (outbound != null || orphansPending)
            {
                pumpOutbound();
            }
            if (!pending.isEmpty())
            {
                link.poll();
                drainPending();
            }
            if (!reader.hasNext())
            {
                link.poll();
                if (!reader.hasNext() && idle())
                {
                    return emptyOrEnd();
                }
            }
            while (reader.read(rec))
            {
                if (accept(rec))
                {
                    Flyweights.begin(into, this, space, 0, null, false);
                    held++;
                    counters.received();
                    for (int i = 0; i < rec.count; i++)
                    {
                        Flyweights.addPiece(into, addressOf(rec.bases[i]), (int)rec.lengths[i]);
                    }
                    return Status.OK;
                }
                domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
                if (!reader.hasNext())
                {
                    link.poll();
                }
            }
            ackIfIdle();
            return emptyOrEnd();
        }
        catch (final ProtocolViolationException ex)
        {
            throw state.broken(domain, ex);
        }
    }

    /**
     * Nothing to read: the end of the stream if the originator's end word names the head this end has consumed up
     * to. The word is copied once and checked: an end behind what was read, or beyond the head the originator
     * published, is a violation.
     *
     * @return {@link Status#EMPTY} or {@link Status#END_OF_STREAM}.
     */
    private int emptyOrEnd()
    {
        final long word = link.peerEnd();
        if (word == ControlAreaDescriptor.NOT_ENDED)
        {
            return Status.EMPTY;
        }
        final long end = word - 1;
        final long tail = reader.tail();
        if (end < tail)
        {
            throw new ProtocolViolationException("rbufs poll: end of stream at head=" + end +
                " behind the records read up to " + tail);
        }
        link.poll(); // after the end word's acquire: the head read now is at least the end
        if (reader.hasNext())
        {
            return Status.EMPTY; // records before the end are still to come: the next poll reads them
        }
        if (end != tail)
        {
            throw new ProtocolViolationException("rbufs poll: end of stream at head=" + end +
                " beyond the published records (read up to " + tail + ")");
        }
        ackIfIdle();
        endOfStream = true;
        return Status.END_OF_STREAM;
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

    /**
     * Ready now if a record, the end or the close is there; otherwise arms a wake-up at the next record and
     * registers on the wake-up channel, which the originator's signal triggers (LMP) or the waitset polls (UMP).
     */
    @Override
    public void register(final Waitset waitset, final Runnable handler)
    {
        if (!admit())
        {
            EndSupport.registerReady(readyChannel, waitset, handler);
            return;
        }
        try
        {
            if (endOfStream || !state.isOpen())
            {
                EndSupport.registerReady(readyChannel, waitset, handler);
                return;
            }
            if (outbound != null || orphansPending)
            {
                pumpOutbound();
            }
            link.arm(reader.tail() + 1, pending.isEmpty() ? ControlAreaDescriptor.NEVER : writer.knownTail() + 1);
            link.poll();
            if (reader.hasNext() || link.peerEnd() != ControlAreaDescriptor.NOT_ENDED)
            {
                EndSupport.registerReady(readyChannel, waitset, handler);
            }
            else if (outbound != null)
            {
                // A middle domain of a path must also wake for returns of what it forwarded, which only its poll
                // passes upstream: a polled registration looks at both rings, on the dispatching (this end's) thread.
                readyChannel.registerPolled(waitset, handler, pathReady);
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

    @Override
    public boolean deregister()
    {
        // register chose one of the two channels (ready, or the wake-up link) by the state it saw.
        return readyChannel.cancel() | link.cancelWake();
    }

    @Override
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        return waiting.receive(into, timeout, unit);
    }

    /**
     * Nothing to read: signals what is owed, asks the originator to notify at its next record (and, while returns
     * wait for ring room, at its next ack), then looks once more, since the originator may have published before
     * it could see the request.
     *
     * @return whether there is still nothing to read.
     */
    private boolean idle()
    {
        ackIfIdle();
        link.arm(reader.tail() + 1, pending.isEmpty() ? ControlAreaDescriptor.NEVER : writer.knownTail() + 1);
        link.poll();
        return !reader.hasNext();
    }

    /**
     * Counters normally travel with releases. When this end has caught up and has consumed records or written
     * returns since the last signal (rejected records, held messages, deferred returns), signal now so that the
     * originator's ring and regions free up.
     */
    private void ackIfIdle()
    {
        if (reader.tail() != ackedTail || writer.head() != publishedHead || batchCount > 0)
        {
            publish();
        }
    }

    /**
     * Returns are signalled in batches: a release signals at once only when a quarter of the slots' returns are
     * unsignalled, or when this end holds or owes half of the slots (the originator may be running short);
     * otherwise the signal waits for such a release or for the next poll that finds nothing. The originator is
     * never left short while this end is idle, and a stream of releases costs one counter update per batch (and a
     * notification only if the originator asked to be woken).
     */
    private void publishReturns()
    {
        unsignalled++;
        if (unsignalled >= returnBatch || (held + unsignalled) * 2 >= slots)
        {
            publish();
        }
    }

    private void publish()
    {
        flushBatch();
        unsignalled = 0;
        ackedTail = reader.tail();
        publishedHead = writer.head();
        link.publish(publishedHead, ackedTail);
    }

    /**
     * Validates the private copy: pairs inside the data area; in receive-master mode each pair a posted slot, not
     * longer than it. Only then marks the slots held.
     */
    private boolean accept(final IoRec rec)
    {
        final int count = rec.count;
        final long[] bases = rec.bases;
        final long[] lengths = rec.lengths;
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            // The rules of IoRecDescriptor.checkPair, as branches only (its message is for diagnostics).
            final long base = bases[i];
            final long length = lengths[i];
            if (length <= 0 || base < 0 || base >= areaLength || length > areaLength - base)
            {
                return false;
            }
            total += length; // each at most areaLength, so no overflow
        }
        if (total > areaLength)
        {
            return false; // more than the whole data area: not a message this channel can carry
        }
        if (transmitMaster)
        {
            return custody == null || custody.take(rec);
        }
        for (int i = 0; i < rec.count; i++)
        {
            final long base = rec.bases[i];
            if (!slotIndex.isStart(base) || lengths[i] > slotSize || slotState[(int)slotIndex.slot(base)] != POSTED)
            {
                return false;
            }
            for (int j = 0; j < i; j++)
            {
                if (rec.bases[j] == base)
                {
                    return false; // the same slot twice in one record
                }
            }
        }
        for (int i = 0; i < rec.count; i++)
        {
            slotState[(int)slotIndex.slot(bases[i])] = HELD;
        }
        return true;
    }

    @Override
    public void release(final Message message)
    {
        if (message.isHeld() && message.source() != this)
        {
            throw new IllegalArgumentException("rbufs release: message was received by another receiver");
        }
        if (!message.isHeld())
        {
            throw new BufferStateException("rbufs release: message released twice (or never received)");
        }
        held--;
        if (!admit())
        {
            Flyweights.end(message); // the channel is gone: its memory was returned at teardown
            return;
        }
        if (!state.isOpen())
        {
            Flyweights.end(message);
            return;
        }
        returnRegions(message);
    }

    private void returnRegions(final Message message)
    {
        try
        {
            if (!pending.isEmpty())
            {
                link.poll();
                drainPending();
            }
            final int pieces = message.pieceCount();
            for (int i = 0; i < pieces; i++)
            {
                final long base = offsetOf(message.pieceAddress(i));
                if (base < pathLength)
                {
                    giveBackHeld(base, message.pieceLength(i));
                }
                else if (transmitMaster)
                {
                    batch(base, message.pieceLength(i));
                }
                else
                {
                    slotState[(int)slotIndex.slot(base)] = POSTED;
                    batch(base, slotSize);
                }
            }
            Flyweights.end(message);
            publishReturns();
        }
        catch (final ProtocolViolationException ex)
        {
            Flyweights.end(message);
            throw state.broken(domain, ex);
        }
    }

    /**
     * Adds a return to the private batch; a full batch becomes one IOrec of up to
     * {@link IoRecDescriptor#MAX_PAIRS} pairs, so a run of releases costs few records as well as few signals.
     */
    private void batch(final long base, final long length)
    {
        batchBase[batchCount] = base;
        batchLength[batchCount] = length;
        if (++batchCount == IoRecDescriptor.MAX_PAIRS)
        {
            flushBatch();
        }
    }

    private void flushBatch()
    {
        final int count = batchCount;
        if (count == 0)
        {
            return;
        }
        batchCount = 0;
        int offset = pending.isEmpty() ? writer.claim(count) : -1;
        if (offset < 0 && pending.isEmpty())
        {
            link.poll(); // learn how far the originator has read, then try once more
            offset = writer.claim(count);
        }
        if (offset >= 0)
        {
            for (int i = 0; i < count; i++)
            {
                writer.putPair(offset, i, batchBase[i], batchLength[i]);
            }
            writer.finish(offset, count, transmitMaster ? FLAG_FREE : FLAG_EMPTY);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            pending.addLong(batchBase[i]);
            pending.addLong(batchLength[i]);
        }
    }

    private void giveBack(final long base, final long length)
    {
        final int flags = transmitMaster ? FLAG_FREE : FLAG_EMPTY;
        if (pending.isEmpty())
        {
            if (writer.write(flags, base, length))
            {
                return;
            }
            link.poll(); // learn how far the originator has read, then try once more
            if (writer.write(flags, base, length))
            {
                return;
            }
        }
        pending.addLong(base);
        pending.addLong(length);
    }

    private void drainPending()
    {
        boolean wrote = false;
        while (!pending.isEmpty())
        {
            final long base = pending.peekLong();
            if (!writer.hasRoom(1))
            {
                break;
            }
            pending.pollLong();
            writer.write(transmitMaster ? FLAG_FREE : FLAG_EMPTY, base, pending.pollLong());
            wrote = true;
        }
        if (wrote)
        {
            publish();
        }
    }

    // ---- Paths (RbufsPath): custody of the path's regions, forwarding them on, passing their returns upstream.

    private long addressOf(final long offset)
    {
        return offset < pathLength ? pathBase + offset : dataBase + (offset - pathLength);
    }

    private long offsetOf(final long address)
    {
        final long inPath = address - pathBase;
        return inPath >= 0 && inPath < pathLength ? inPath : address - dataBase + pathLength;
    }

    /**
     * A released path region goes back upstream, if this end holds it as delivered; a message whose piece names
     * another region (an altered flyweight) gives nothing back for that piece and is counted.
     */
    private void giveBackHeld(final long base, final int length)
    {
        if (custody.release(base, length))
        {
            batch(base, length);
        }
    }

    /**
     * @param next the next hop's sender in this domain (set once by the path, before either end is used).
     */
    void pathOutbound(final RbufsSender next)
    {
        this.outbound = next;
    }

    /**
     * Where the message's region lies in the path's data area, if it can be handed on without copying: one piece in
     * the path's area. A piece there must be a region this end holds, with the base and length it was delivered
     * with; anything else is refused (and counted). The caller has admitted this end ({@link #admit}).
     *
     * @param message a held message of this receiver.
     * @return the region's offset in the path's data area, or -1 if the message must be copied (several pieces, or
     *         a piece in this channel's own data area, which the next hop does not map).
     * @throws ForwardRefusedException if the piece names a path region not held here as delivered.
     */
    long forwardableOffset(final Message message)
    {
        if (pathLength == 0 || message.pieceCount() != 1)
        {
            return -1;
        }
        final long offset = message.pieceAddress(0) - pathBase;
        if (offset < 0 || offset >= pathLength)
        {
            return -1;
        }
        custody.checkForward(offset, message.pieceLength(0));
        return offset;
    }

    /**
     * The message's region went on to the next hop: it stays in custody until that hop gives it back.
     */
    void handedOn(final Message message, final long offset)
    {
        custody.handedOn(offset);
        held--;
        Flyweights.end(message);
    }

    /**
     * A forwarded region came back from the next hop (the caller has admitted this end): if this end handed
     * exactly that region on and has not had it back, it goes upstream.
     *
     * @return whether it was one this end handed on; if not, nothing changes.
     */
    boolean takeBackForwarded(final long base, final long length)
    {
        if (custody == null || !custody.takeBack(base, length))
        {
            return false;
        }
        batch(base, length);
        return true;
    }

    /**
     * Signals the returns passed upstream at once: they come in batches already, and every hop that held them back
     * would add to how long the master waits for its regions.
     */
    void publishPassedReturns()
    {
        publish();
    }

    private void pumpOutbound()
    {
        if (orphansPending)
        {
            orphansPending = false;
            returnOrphans();
        }
        final RbufsSender next = outbound;
        if (next != null)
        {
            next.pumpReturns();
        }
    }

    /**
     * The polled wake-up of a middle path receiver: a record, the end, a close, or a return from the next hop to pass
     * upstream.
     */
    private boolean pathReady()
    {
        if (!admit())
        {
            return true;
        }
        try
        {
            if (!state.isOpen() || endOfStream || orphansPending)
            {
                return true;
            }
            link.poll();
            if (reader.hasNext() || link.peerEnd() != ControlAreaDescriptor.NOT_ENDED)
            {
                return true;
            }
            final RbufsSender next = outbound;
            return next != null && next.hasReturns();
        }
        catch (final ProtocolViolationException ex)
        {
            return true; // the handler's poll reports it
        }
    }

    /**
     * The next hop closed (on any thread): every region this end forwarded and has not had back goes upstream at
     * this end's next poll (or registration, or its waitset's look at {@link #pathReady}), on its own thread, so
     * no other thread changes its custody or touches its ring. If this hop has closed too, the hop above it takes
     * its regions back instead.
     */
    void returnOrphansOnClose()
    {
        orphansPending = true; // volatile: this end's next call reads it after its own state read
    }

    private void returnOrphans()
    {
        outbound = null;
        if (!state.isOpen())
        {
            return;
        }
        for (int slot = 0; slot < custody.slots(); slot++)
        {
            if (custody.isForwarded(slot))
            {
                batch((long)slot * slotSize, custody.orphan(slot));
            }
        }
        publish();
    }

    /**
     * @param slot a path slot.
     * @return whether this end has it in custody (held or forwarded), for tests.
     */
    boolean inCustody(final int slot)
    {
        return custody.inCustody(slot);
    }

    @Override
    public void onCounters(final long head, final long tail)
    {
        reader.onHead(head);
        writer.onTail(tail);
    }

    /**
     * Signals this end's counters as they stand; tests call it after writing records by hand.
     */
    void signal()
    {
        publish();
    }

    /**
     * @return the writer of this end's control area (tests play a forging receiver with it).
     */
    IoRecWriter writer()
    {
        return writer;
    }

    /**
     * @return the reader of the originator's control area (tests hook it).
     */
    IoRecReader reader()
    {
        return reader;
    }

    /**
     * Records this thread, then reads the state ({@link QuiescentEnd}, step 1); the hop after this one on a path
     * calls it for this domain's returns on its own (this end's) thread.
     *
     * @return false if the channel is closed: this end is quiescent and the caller touches no view of it.
     */
    boolean admit()
    {
        return state.admit(end);
    }

    private RuntimeException closed(final String operation)
    {
        return state.closedException(end, operation);
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
     * @return returns waiting for ring room, for tests.
     */
    int pendingReturns()
    {
        return pending.size() / 2;
    }
}
