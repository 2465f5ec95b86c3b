package io.barge.drivers.nic;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.device.InterruptLine;
import io.barge.core.device.InterruptMessageDescriptor;
import io.barge.core.notify.LmpEndpoint;
import io.barge.core.notify.LmpHandler;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.drivers.nic.NicDescriptor.*;

/**
 * The NIC's driver, code of the driver domain: it owns the rings and buffers (frames of its domain, mapped in its
 * address space) and pins what the device may reach: both rings and every posted RX buffer for as long as it is
 * attached, each TX buffer from {@link #send} until its completion is reaped.
 * <p>
 * The device is trusted with nothing: every head it publishes and every write-back is copied once and checked
 * against the driver's own record of what it posted. A head beyond the tail (completions of descriptors never
 * posted), a head that goes back or a write-back naming an already reaped position (completed twice), a write-back
 * that is not DONE or names another position, an RX length beyond the posted buffer: each is rejected and counted
 * ({@link NicCounters#NIC_COMPLETIONS_REJECTED}), reported to the error handler, and the buffer of that position is
 * recycled exactly once, by the driver's record, never by the device's word.
 * <p>
 * Work is done by {@link #poll(int)}: driven by interrupts ({@link #register(Waitset)}: the kernel's message on
 * the line's endpoint runs it, at most a budget per dispatch, acknowledging after each dispatch) or NAPI style
 * ({@link Mode#POLLING}: the line stays in service, so the device's raises are folded, while a poll finds a full
 * budget of work; the driver acknowledges only when a poll comes back short).
 * <p>
 * <b>Foreign buffers.</b> A driver made by {@link #forForeignBuffers} owns only its rings: its RX ring starts empty,
 * and its user (a driver domain serving guests) posts buffers it did not allocate, by frame, offset and length with
 * a cookie ({@link #postTx}, {@link #postRx}; or a {@link NicBurst} of them behind one doorbell), each frame pinned
 * by that user beforehand (through its own mapping,
 * {@link Kernel#pinMappedForDma}). Completions are reaped by the same checks and reported by cookie to a
 * {@link NicCompletionHandler}, each cookie exactly once (a rejected write-back reports
 * {@link NicCompletionHandler#ERROR_REJECTED}; a close reports what is still outstanding as
 * {@link NicCompletionHandler#ERROR_CANCELLED}, after the device is reset). The user keeps its pins; the driver never
 * unpins a foreign frame.
 * <p>
 * When the driver domain is destroyed the device is reset first (no DMA after), then every pin the driver held is
 * dropped, so the kernel frees every frame of the domain. Thread safety: calls are serialised on the driver's
 * monitor (one thread drives it; the monitor orders them against a death told on another thread).
 */
public final class NicDriver implements AutoCloseable
{
    /** How completions are found. */
    public enum Mode
    {
        /** Each interrupt runs one budgeted poll and is acknowledged; leftover work runs on the next dispatch. */
        INTERRUPT,
        /** NAPI: stay in service (line masked) while polls find a full budget; acknowledge when idle. */
        POLLING
    }

    private final Kernel kernel;
    private final Domain domain;
    private final AddressSpace space;
    private final Nic nic;
    private final Mode mode;
    private final int budget;
    private final RxHandler handler;
    private final NicCompletionHandler completions;
    private final long[] txCookies;
    private final long[] rxCookies;
    private final int[] rxCapacities;
    private final int size;
    private final int mask;
    private final int pageSize;
    private final int mtu;
    private final int rxCapacity;
    private final Nic.Attachment attachment;
    private final InterruptLine line;
    private final DriverMemory memory;
    private final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer txRing = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer rxRing = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer rxView = new UnsafeBuffer(new byte[0]);
    private final boolean[] txPinned;
    private final DomainListener deaths = this::onDestroy;
    private final LmpHandler onInterruptMessage = this::onInterruptMessage;
    private final Runnable onInterrupt = this::onInterrupt;
    private final Runnable onMoreWork = this::onMoreWork;
    private final WaitsetChannel moreWork;
    private ErrorHandler errorHandler = ex -> { };
    private Waitset waitset;
    private long txTail;
    private long txClean;
    private long rxTail;
    private long rxClean;
    private long lastBadTxHead = -1;
    private long lastBadRxHead = -1;
    private long interruptEvents;
    private long interrupts;
    private boolean gone;

    /**
     * Attaches to the device: allocates, maps and pins both rings of {@code ringSize} descriptors and
     * {@code ringSize} RX buffers (one frame each) in the driver domain, allocates {@code ringSize} TX buffers,
     * posts every RX buffer and enables the device.
     *
     * @param kernel   the machine.
     * @param domain   the driver domain.
     * @param nic      the device.
     * @param ringSize descriptors per ring, a power of two in [2, 4096].
     * @param mode     interrupt-driven or NAPI polling.
     * @param budget   most completions per poll, at least 1.
     * @param handler  what to do with each frame received.
     */
    public NicDriver(final Kernel kernel, final Domain domain, final Nic nic, final int ringSize, final Mode mode,
        final int budget, final RxHandler handler)
    {
        this(kernel, domain, nic, ringSize, mode, budget, java.util.Objects.requireNonNull(handler, "handler"), null);
    }

    /**
     * A driver for buffers it does not own: it allocates, maps and pins only its two rings, leaves the RX ring
     * empty and enables the device; its user posts TX and RX buffers with {@link #postTx} and {@link #postRx} and
     * learns of each completion through {@code completions}.
     *
     * @param kernel      the machine.
     * @param domain      the driver domain.
     * @param nic         the device.
     * @param ringSize    descriptors per ring, a power of two in [2, 4096].
     * @param mode        interrupt-driven or NAPI polling.
     * @param budget      most completions per poll, at least 1.
     * @param completions told of each posted buffer's completion, by cookie.
     * @return the attached driver.
     */
    public static NicDriver forForeignBuffers(final Kernel kernel, final Domain domain, final Nic nic,
        final int ringSize, final Mode mode, final int budget, final NicCompletionHandler completions)
    {
        return new NicDriver(kernel, domain, nic, ringSize, mode, budget, null,
            java.util.Objects.requireNonNull(completions, "completions"));
    }

    private NicDriver(final Kernel kernel, final Domain domain, final Nic nic, final int ringSize, final Mode mode,
        final int budget, final RxHandler handler, final NicCompletionHandler completions)
    {
        NicDescriptor.checkRingSize(ringSize, 4096);
        if (budget < 1)
        {
            throw new IllegalArgumentException("budget=" + budget + " is below 1");
        }
        this.kernel = kernel;
        this.domain = domain;
        this.space = domain.addressSpace();
        this.nic = nic;
        this.mode = mode;
        this.budget = budget;
        this.handler = handler;
        this.completions = completions;
        final boolean foreign = completions != null;
        this.txCookies = new long[foreign ? ringSize : 0];
        this.rxCookies = new long[foreign ? ringSize : 0];
        this.rxCapacities = new int[foreign ? ringSize : 0];
        this.size = ringSize;
        this.mask = ringSize - 1;
        this.pageSize = kernel.memory().frameSize();
        this.rxCapacity = Math.min(pageSize, MAX_FIELD);
        this.txPinned = new boolean[ringSize];
        this.moreWork = new WaitsetChannel("nic-driver-more " + domain.name());
        this.memory = new DriverMemory(kernel, domain, ringSize, !foreign);
        boolean done = false;
        Nic.Attachment attached = null;
        try
        {
            attached = nic.attach(domain);
            space.wrapView(regs, attached.registers, NicRegistersDescriptor.LENGTH, Access.WRITE);
            NicRegistersDescriptor.checkIdentity(regs);
            this.mtu = Math.min(NicRegistersDescriptor.mtu(regs), rxCapacity);
            space.wrapView(txRing, memory.txRingAddress, ringSize * NicDescriptor.LENGTH, Access.WRITE);
            space.wrapView(rxRing, memory.rxRingAddress, ringSize * NicDescriptor.LENGTH, Access.WRITE);
            kernel.addDomainListener(deaths);
            for (int slot = 0; slot < memory.rxBuffers.length; slot++)
            {
                NicDescriptor.post(rxRing, descriptorOffset(slot), memory.rxBuffers[slot], 0, rxCapacity);
            }
            rxTail = memory.rxBuffers.length; // foreign buffers: empty until the user posts
            NicRegistersDescriptor.rxTailRelease(regs, rxTail); // after the descriptors it posts
            NicRegistersDescriptor.enable(regs, ringSize, memory.txRingFrame, ringSize, memory.rxRingFrame);
            done = true;
        }
        finally
        {
            if (!done)
            {
                kernel.removeDomainListener(deaths);
                nic.detach(attached);
                memory.release(txPinned, true);
            }
        }
        this.attachment = attached;
        this.line = attached.line;
    }

    /**
     * @param errorHandler told of each device completion rejected (a {@link ProtocolViolationException}).
     * @return this.
     */
    public NicDriver errorHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = java.util.Objects.requireNonNull(errorHandler, "errorHandler");
        return this;
    }

    /**
     * @return largest payload {@link #send} takes.
     */
    public int mtu()
    {
        return mtu;
    }

    /**
     * @return the interrupt line bound to this driver.
     */
    public InterruptLine line()
    {
        return line;
    }

    /**
     * Copies a frame into the next TX buffer, pins it, fills the descriptor and rings the TX doorbell.
     *
     * @param src    payload.
     * @param offset first byte.
     * @param length bytes, in [1, {@link #mtu()}].
     * @return true if queued; false if the TX ring is full (reap completions with {@link #poll}).
     * @throws IllegalArgumentException if the length is outside [1, mtu].
     */
    public synchronized boolean send(final DirectBuffer src, final int offset, final int length)
    {
        checkUsable();
        if (completions != null)
        {
            throw new IllegalStateException("NIC driver of " + domain + " is for foreign buffers: use postTx");
        }
        if (length < 1 || length > mtu)
        {
            throw new IllegalArgumentException("length=" + length + " outside [1, mtu=" + mtu + "]");
        }
        if (txTail - txClean == size)
        {
            return false;
        }
        final int slot = (int)txTail & mask;
        space.putBytes(memory.txBufferAddress(slot), src, offset, length);
        kernel.pinFrame(domain, memory.txBuffers[slot]);
        txPinned[slot] = true;
        NicDescriptor.post(txRing, descriptorOffset(slot), memory.txBuffers[slot], 0, length);
        NicRegistersDescriptor.txTailRelease(regs, ++txTail); // after the descriptor it publishes
        return true;
    }

    /**
     * Posts a foreign buffer for transmission: fills the next TX descriptor and rings the TX doorbell. The frame must
     * stay pinned (by the caller) until its cookie is reported.
     *
     * @param frame  the buffer's frame, pinned for DMA by the caller.
     * @param offset first byte in the frame.
     * @param length bytes to send, in [1, {@link #mtu()}], within the frame.
     * @param cookie names the buffer in {@link NicCompletionHandler#onTxDone}.
     * @return true if posted; false if the TX ring is full.
     * @throws IllegalStateException    if this driver copies into its own buffers, or is closed.
     * @throws IllegalArgumentException if offset or length are out of range.
     */
    public synchronized boolean postTx(final int frame, final int offset, final int length, final long cookie)
    {
        return postOne(true, frame, offset, length, cookie);
    }

    /**
     * Posts a burst of foreign buffers for transmission: fills the next TX descriptors, one per staged buffer in
     * order, and rings the TX doorbell once after the last (one monitor entry and one doorbell for the burst). Every
     * buffer is checked before any is posted; the posted ones leave the burst, the rest stay staged at its front.
     *
     * @param burst buffers staged with their cookies, each frame pinned by the caller until its cookie is reported.
     * @return buffers posted, from the first: fewer than staged when the TX ring fills.
     * @throws IllegalStateException    if this driver copies into its own buffers, or is closed.
     * @throws IllegalArgumentException if a staged offset or length is out of range (then nothing is posted).
     */
    public synchronized int postTx(final NicBurst burst)
    {
        return post(burst, true);
    }

    /** One buffer on one ring: checked, posted if the ring has room, the doorbell rung after its descriptor. */
    private boolean postOne(final boolean tx, final int frame, final int offset, final int length, final long cookie)
    {
        checkForeign();
        checkBuffer(tx, offset, length);
        if (room(tx) == 0)
        {
            return false;
        }
        write(tx, frame, offset, length, cookie);
        doorbell(tx);
        return true;
    }

    /** A burst on one ring: every buffer checked, as many posted as the ring has room for, one doorbell. */
    private int post(final NicBurst burst, final boolean tx)
    {
        checkForeign();
        final int count = burst.count();
        for (int i = 0; i < count; i++)
        {
            checkBuffer(tx, burst.offset(i), burst.length(i));
        }
        final int posted = Math.min(count, room(tx));
        for (int i = 0; i < posted; i++)
        {
            write(tx, burst.frame(i), burst.offset(i), burst.length(i), burst.cookie(i));
        }
        if (posted > 0)
        {
            doorbell(tx);
        }
        burst.consumed(posted);
        return posted;
    }

    private void checkBuffer(final boolean tx, final int offset, final int length)
    {
        if (tx)
        {
            checkTxBuffer(offset, length);
        }
        else
        {
            checkRxBuffer(offset, length);
        }
    }

    /** @return free descriptors on the ring. */
    private int room(final boolean tx)
    {
        return (int)(size - (tx ? txTail - txClean : rxTail - rxClean));
    }

    private void write(final boolean tx, final int frame, final int offset, final int length, final long cookie)
    {
        if (tx)
        {
            writeTx(frame, offset, length, cookie);
        }
        else
        {
            writeRx(frame, offset, length, cookie);
        }
    }

    /** Publishes the ring's tail: after every descriptor it covers (release). */
    private void doorbell(final boolean tx)
    {
        if (tx)
        {
            NicRegistersDescriptor.txTailRelease(regs, txTail);
        }
        else
        {
            NicRegistersDescriptor.rxTailRelease(regs, rxTail);
        }
    }

    private void checkTxBuffer(final int offset, final int length)
    {
        if (length < 1 || length > mtu || offset < 0 || offset > pageSize - length)
        {
            throw new IllegalArgumentException("offset=" + offset + " length=" + length + " outside [1, mtu=" + mtu +
                "] within a frame of " + pageSize);
        }
    }

    /** Fills the descriptor at the tail and moves the tail; the caller checked room and rings the doorbell. */
    private void writeTx(final int frame, final int offset, final int length, final long cookie)
    {
        final int slot = (int)txTail & mask;
        txCookies[slot] = cookie;
        NicDescriptor.post(txRing, descriptorOffset(slot), frame, offset, length);
        txTail++;
    }

    /**
     * Posts a foreign buffer for the device to receive into: fills the next RX descriptor and rings the RX doorbell.
     * Buffers complete in the order posted. The frame must stay pinned (by the caller) until its cookie is reported.
     *
     * @param frame    the buffer's frame, pinned for DMA (writable) by the caller.
     * @param offset   first byte in the frame.
     * @param capacity bytes the device may write, in [1, {@link NicDescriptor#MAX_FIELD}], within the frame.
     * @param cookie   names the buffer in {@link NicCompletionHandler#onRxDone}.
     * @return true if posted; false if the RX ring is full.
     * @throws IllegalStateException    if this driver posts its own buffers, or is closed.
     * @throws IllegalArgumentException if offset or capacity are out of range.
     */
    public synchronized boolean postRx(final int frame, final int offset, final int capacity, final long cookie)
    {
        return postOne(false, frame, offset, capacity, cookie);
    }

    /**
     * Posts a burst of foreign buffers for the device to receive into: fills the next RX descriptors, one per staged
     * buffer in order (the order they complete in), and rings the RX doorbell once after the last. Every buffer is
     * checked before any is posted; the posted ones leave the burst, the rest stay staged at its front.
     *
     * @param burst buffers staged with their capacities and cookies, each frame pinned writable by the caller until
     *              its cookie is reported.
     * @return buffers posted, from the first: fewer than staged when the RX ring fills.
     * @throws IllegalStateException    if this driver posts its own buffers, or is closed.
     * @throws IllegalArgumentException if a staged offset or capacity is out of range (then nothing is posted).
     */
    public synchronized int postRx(final NicBurst burst)
    {
        return post(burst, false);
    }

    private void checkRxBuffer(final int offset, final int capacity)
    {
        if (capacity < 1 || capacity > MAX_FIELD || offset < 0 || offset > pageSize - capacity)
        {
            throw new IllegalArgumentException("offset=" + offset + " capacity=" + capacity +
                " outside [1, " + MAX_FIELD + "] within a frame of " + pageSize);
        }
    }

    /** Fills the descriptor at the tail and moves the tail; the caller checked room and rings the doorbell. */
    private void writeRx(final int frame, final int offset, final int capacity, final long cookie)
    {
        final int slot = (int)rxTail & mask;
        rxCookies[slot] = cookie;
        rxCapacities[slot] = capacity;
        NicDescriptor.post(rxRing, descriptorOffset(slot), frame, offset, capacity);
        rxTail++;
    }

    /**
     * @return RX buffers posted and not yet completed.
     */
    public synchronized int rxPosted()
    {
        return (int)(rxTail - rxClean);
    }

    /**
     * @return descriptors per ring.
     */
    public int ringSize()
    {
        return size;
    }

    private void checkForeign()
    {
        checkUsable();
        if (completions == null)
        {
            throw new IllegalStateException("NIC driver of " + domain + " owns its buffers: use send");
        }
    }

    /**
     * Reaps TX completions (unpinning their buffers) and handles RX completions (posting their buffers again).
     *
     * @param limit most completions, TX first.
     * @return completions handled, rejected ones included.
     */
    public synchronized int poll(final int limit)
    {
        checkUsable();
        final int reaped = reapTx(limit);
        return reaped + reapRx(limit - reaped);
    }

    private int reapTx(final int limit)
    {
        final long head = NicRegistersDescriptor.txHeadAcquire(regs); // copied once
        if (!headValid("TX", head, txClean, txTail, head == lastBadTxHead))
        {
            lastBadTxHead = head;
            return 0;
        }
        int done = 0;
        while (txClean != head && done < limit)
        {
            final int slot = (int)txClean & mask;
            final long word = writeBackWord(txRing, descriptorOffset(slot)); // copied once
            final boolean valid = checkWriteBack("TX", word, txClean, Integer.MAX_VALUE);
            if (completions != null)
            {
                txClean++; // before the call: the handler may post into this slot again
                done++;
                completions.onTxDone(txCookies[slot], !valid ? NicCompletionHandler.ERROR_REJECTED :
                    (status(word) & STATUS_ERROR) != 0 ? error(word) : ERROR_NONE);
                continue;
            }
            kernel.unpinFrame(memory.txBuffers[slot]);
            txPinned[slot] = false;
            txClean++;
            done++;
        }
        return done;
    }

    private int reapRx(final int limit)
    {
        final long head = NicRegistersDescriptor.rxHeadAcquire(regs); // copied once
        if (!headValid("RX", head, rxClean, rxTail, head == lastBadRxHead))
        {
            lastBadRxHead = head;
            return 0;
        }
        int done = 0;
        while (rxClean != head && done < limit)
        {
            final int slot = (int)rxClean & mask;
            final long word = writeBackWord(rxRing, descriptorOffset(slot)); // copied once
            if (completions != null)
            {
                final boolean valid = checkWriteBack("RX", word, rxClean, rxCapacities[slot]);
                final int error = !valid ? NicCompletionHandler.ERROR_REJECTED :
                    (status(word) & STATUS_ERROR) != 0 ? error(word) : ERROR_NONE;
                rxClean++; // before the call: the handler may post into this slot again
                done++;
                completions.onRxDone(rxCookies[slot], error == ERROR_NONE ? completedLength(word) : 0, error);
                continue;
            }
            if (checkWriteBack("RX", word, rxClean, rxCapacity) && (status(word) & STATUS_ERROR) == 0)
            {
                space.wrapView(rxView, memory.rxBufferAddress(slot), rxCapacity, Access.READ);
                handler.onFrame(rxView, 0, completedLength(word));
            }
            rxClean++;
            done++;
            // Recycle: the same buffer goes back at the tail, which is this slot again (the ring stays full).
            NicDescriptor.post(rxRing, descriptorOffset((int)rxTail & mask), memory.rxBuffers[slot], 0, rxCapacity);
            rxTail++;
        }
        if (done > 0 && completions == null)
        {
            NicRegistersDescriptor.rxTailRelease(regs, rxTail); // after the descriptors it posts again
        }
        return done;
    }

    private boolean headValid(final String ring, final long head, final long clean, final long tail,
        final boolean seen)
    {
        if (head - tail > 0)
        {
            if (!seen)
            {
                reject(ring + " head=" + head + " beyond tail=" + tail + ": completion of descriptors never posted");
            }
            return false;
        }
        if (head - clean < 0)
        {
            if (!seen)
            {
                reject(ring + " head=" + head + " went back from " + clean + ": descriptors completed twice");
            }
            return false;
        }
        return true;
    }

    private boolean checkWriteBack(final String ring, final long word, final long position, final int capacity)
    {
        final int sequence = sequence(word);
        if ((status(word) & STATUS_DONE) == 0)
        {
            reject(ring + " position=" + position + " below head is not DONE");
            return false;
        }
        if (sequence != (int)position)
        {
            reject(ring + " position=" + position + " completed with sequence=" + sequence +
                (sequence - (int)position < 0 ? ": a position already completed (twice)" : ": never posted"));
            return false;
        }
        if (completedLength(word) > capacity)
        {
            reject(ring + " position=" + position + " completed length=" + completedLength(word) +
                " exceeds the posted buffer of " + capacity);
            return false;
        }
        return true;
    }

    private void reject(final String message)
    {
        domain.count(NicCounters.NIC_COMPLETIONS_REJECTED, 1);
        domain.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        errorHandler.onError(new ProtocolViolationException("NIC device: " + message));
    }

    // ---- interrupts ----------------------------------------------------------------------------------------------

    /**
     * Makes the driver interrupt driven on a waitset: each interrupt message runs a poll of at most the budget.
     *
     * @param waitset the driver domain's waitset.
     */
    public synchronized void register(final Waitset waitset)
    {
        checkUsable();
        this.waitset = waitset;
        line.endpoint().registerReceive(waitset, onInterrupt);
    }

    private void onInterrupt()
    {
        synchronized (this)
        {
            if (gone)
            {
                return;
            }
            final LmpEndpoint endpoint = line.endpoint();
            endpoint.poll(onInterruptMessage, 16);
            service();
            endpoint.registerReceive(waitset, onInterrupt); // after acking: a message the ack sent triggers it now
        }
    }

    private void onMoreWork()
    {
        synchronized (this)
        {
            if (!gone)
            {
                service();
            }
        }
    }

    private void service()
    {
        final int work = poll(budget);
        final boolean more = work >= budget;
        if (line.inService() && (mode == Mode.INTERRUPT || !more))
        {
            line.ack(); // the kernel unmasks; raises folded meanwhile come back as one message
        }
        if (more && moreWork.state() == WaitsetChannel.State.UNREGISTERED) // not already queued
        {
            moreWork.register(waitset, onMoreWork);
            moreWork.trigger();
        }
    }

    private void onInterruptMessage(final int type, final DirectBuffer buffer, final int offset, final int length,
        final io.barge.core.notify.LmpCapability capability)
    {
        if (type == InterruptMessageDescriptor.MESSAGE_TYPE && length == InterruptMessageDescriptor.LENGTH)
        {
            interrupts++;
            interruptEvents += InterruptMessageDescriptor.events(buffer, offset);
        }
    }

    /**
     * @return interrupt messages handled.
     */
    public synchronized long interrupts()
    {
        return interrupts;
    }

    /**
     * @return raises those messages stood for (each message carries how many it folds).
     */
    public synchronized long interruptEvents()
    {
        return interruptEvents;
    }

    /**
     * @return TX descriptors sent and not yet reaped.
     */
    public synchronized int txInFlight()
    {
        return (int)(txTail - txClean);
    }

    Domain domain()
    {
        return domain;
    }

    int txRingFrame()
    {
        return memory.txRingFrame;
    }

    int rxRingFrame()
    {
        return memory.rxRingFrame;
    }

    int txBufferFrame(final int slot)
    {
        return memory.txBuffers[slot];
    }

    int rxBufferFrame(final int slot)
    {
        return memory.rxBuffers[slot];
    }

    // ---- teardown ------------------------------------------------------------------------------------------------

    private void checkUsable()
    {
        if (gone)
        {
            throw new IllegalStateException("NIC driver of " + domain + " is closed or its domain destroyed");
        }
        if (attachment.detached)
        {
            throw new IllegalStateException("NIC driver of " + domain + ": the device " + nic + " was closed");
        }
    }

    private synchronized void onDestroy(final Domain dead)
    {
        if (dead != domain || gone)
        {
            return;
        }
        gone = true;
        kernel.removeDomainListener(deaths);
        nic.detach(attachment); // no DMA after this: the frames below may be freed
        cancelOutstanding();
        memory.release(txPinned, false); // drop every pin; the kernel frees the frames right after
    }

    /** After the device is reset: every foreign buffer still posted is reported cancelled, once. */
    private void cancelOutstanding()
    {
        if (completions == null)
        {
            return;
        }
        while (txClean != txTail)
        {
            completions.onTxDone(txCookies[(int)txClean++ & mask], NicCompletionHandler.ERROR_CANCELLED);
        }
        while (rxClean != rxTail)
        {
            completions.onRxDone(rxCookies[(int)rxClean++ & mask], 0, NicCompletionHandler.ERROR_CANCELLED);
        }
    }

    /**
     * Detaches from the device and returns every frame (if the domain is being destroyed, only drops its pins: the
     * kernel frees the frames). A driver for foreign buffers then reports every buffer still posted as
     * {@link NicCompletionHandler#ERROR_CANCELLED}. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        if (gone)
        {
            return;
        }
        gone = true;
        kernel.removeDomainListener(deaths);
        moreWork.deregister();
        nic.detach(attachment);
        regs.wrap(new byte[0]);
        cancelOutstanding();
        memory.release(txPinned, domain.isAlive());
    }

    @Override
    public String toString()
    {
        return "NicDriver[" + domain + ", " + nic + ", tx=" + txClean + ".." + txTail + ", rx=" + rxClean + ".." +
            rxTail + "]";
    }
}
