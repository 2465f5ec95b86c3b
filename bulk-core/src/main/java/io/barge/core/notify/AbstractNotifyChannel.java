package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.PinReclaimer;
import io.barge.core.ProtocolViolationException;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * What UMP and LMP channels share: the open/broken/closed state, the error handler told once, teardown when either
 * domain is destroyed, and the rule that keeps a teardown from handing a frame an end can still touch to anyone.
 * <h2>Which frames return when</h2>
 * An end (sender or receiver) reaches the channel's frames through raw views, with no translation and no fence per
 * message, so an end running on one thread between its state check and its store cannot be stopped by a teardown on
 * another thread. Instead the frames wait for the end (quiescent-state deferral):
 * <ol>
 *   <li>At setup the channel pins ({@link Kernel#pinFrame}) every frame each end's views reach, once per end: a
 *       frame both ends reach holds two pins. A pinned frame is refused by {@link Kernel#freeFrame}; if its owner
 *       dies it passes to the kernel (orphaned) instead of being freed.</li>
 *   <li>Every call of an end that touches a view first records its thread, if it differs from the one recorded
 *       (a volatile store, so only when the thread changes), then reads the state (volatile).</li>
 *   <li>A teardown ({@link #close()}, or a domain's death, which closes) stores CLOSED (volatile), unmaps, points
 *       the views at private memory, then reads each end's recorded thread (volatile). An end whose thread is this
 *       thread, none (never called) or a terminated thread is quiescent: it cannot be inside a call, and by steps 2
 *       and 3 (a Dekker pair) its next call sees CLOSED. Its pins are dropped at once (on the end's own thread even
 *       with a claim outstanding or inside a handler: what that thread does next goes through the re-pointed
 *       views, by program order).</li>
 *   <li>Any other end drops its pins on its own thread, in its next call that sees the channel broken or closed
 *       (that call throws {@link ChannelClosedException}, or {@code hasRoom}/{@code hasMessage} report it as
 *       today); one thread acts for an end at a time (handed over with a happens-before edge), so by program order
 *       nothing of it is in flight then. A sender with a claim outstanding waits for its {@code commit} (the claimed
 *       payload is still its to write), or for its next call after an {@code abort}.</li>
 *   <li>A frame whose last pin drops is freed ({@link Kernel#unpinAndFree}): an orphan at once, a frame of a live
 *       owner once the teardown has unmapped it, a frame of a dying owner by the kernel's destroy.</li>
 *   <li>Until then the channel is a {@link PinReclaimer}: before the kernel counts its free frames or fails an
 *       allocation for want of frames, it asks the channel again, and an end whose thread has ended since drops
 *       its pins then.</li>
 * </ol>
 * So a close from the ends' own threads, or after their threads have ended, returns every frame at once, as does a
 * close of ends never used; frames kept for an end whose thread ends later come back at
 * the kernel's next count or shortfall. A survivor end on another live thread that is never called again keeps the
 * few frames it reaches (the ring and the ack page, or the LMP endpoint, consumer and staging pages) out of reuse
 * until its next call, until its thread ends, or until {@link Kernel#close()}.
 */
abstract class AbstractNotifyChannel implements NotifyChannel
{
    static final int OPEN = 0;
    static final int BROKEN = 1;
    static final int CLOSED = 2;
    /** Index of the sending end in the per-end bookkeeping. */
    static final int SENDER_END = 0;
    /** Index of the receiving end. */
    static final int RECEIVER_END = 1;
    /** Smallest frame a channel works with: the UMP ack page needs 256 bytes. */
    static final int MIN_FRAME_SIZE = UmpDescriptor.ACK_AREA_LENGTH;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(AbstractNotifyChannel.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final Kernel kernel;
    final Domain senderDomain;
    final Domain receiverDomain;
    private final DomainListener domainListener = this::onDomainDestroyed;
    private final PinReclaimer reclaimer = this::reclaimDeferred;
    private volatile int state = OPEN;
    private volatile Consumer<Throwable> errorHandler;
    private boolean released;
    /** Whether {@link #release()} has run: frames of quiescent ends may be freed from then on. */
    private boolean framesFreeable;
    /** Per end: the frames its views reach, each pinned once for it, and their owners at pin time. */
    private final int[][] endFrames = new int[2][];
    private final Domain[][] endOwners = new Domain[2][];
    /** Per end: whether it still holds its pins. */
    private final boolean[] endPinned = new boolean[2];
    /** Per end: whether it can touch no view any more (see the class comment, steps 3 and 4). */
    private final boolean[] endQuiescent = new boolean[2];
    /** Whether the kernel asks this channel to drop deferred pins ({@link PinReclaimer}). */
    private boolean reclaimerAdded;
    /** Test hook: false keeps the views on the frames at teardown, as an end's thread that raced it may see them. */
    private boolean discardViews = true;

    AbstractNotifyChannel(final Kernel kernel, final Domain sender, final Domain receiver)
    {
        if (sender == receiver)
        {
            throw new IllegalArgumentException("sender and receiver must be different domains, both are " + sender);
        }
        if (sender.kernel() != kernel || receiver.kernel() != kernel)
        {
            throw new IllegalArgumentException("domains " + sender + " and " + receiver + " must belong to the kernel");
        }
        sender.checkAlive();
        receiver.checkAlive();
        if (kernel.memory().frameSize() < MIN_FRAME_SIZE)
        {
            throw new IllegalArgumentException("frameSize=" + kernel.memory().frameSize() + " is below " +
                MIN_FRAME_SIZE + ", the smallest frame that holds a channel's control page");
        }
        this.kernel = kernel;
        this.senderDomain = sender;
        this.receiverDomain = receiver;
    }

    /** Called by subclasses once their resources exist, so that a domain's death tears the channel down. */
    final void watchDomains()
    {
        kernel.addDomainListener(domainListener);
    }

    private void onDomainDestroyed(final Domain domain)
    {
        if (domain == senderDomain || domain == receiverDomain)
        {
            close();
        }
    }

    @Override
    public final boolean isOpen()
    {
        return state == OPEN;
    }

    final int state()
    {
        return state;
    }

    @Override
    public final void errorHandler(final Consumer<Throwable> handler)
    {
        this.errorHandler = handler;
    }

    /**
     * For an end's call that saw the channel broken or closed and touches no view after this: records the end as
     * quiescent ({@link #endQuiescent}).
     *
     * @param end  {@link #SENDER_END} or {@link #RECEIVER_END}.
     * @param what the attempted operation, for the message.
     * @return the exception to throw: the channel is closed or broken.
     */
    final ChannelClosedException closedException(final int end, final String what)
    {
        endQuiescent(end);
        return closedException(what);
    }

    /**
     * @param what the attempted operation, for the message.
     * @return the exception to throw: the channel is closed or broken.
     */
    final ChannelClosedException closedException(final String what)
    {
        return new ChannelClosedException(what + " on " + this + ": channel is " +
            (state == BROKEN ? "broken by a protocol violation" : "closed"));
    }

    /**
     * Breaks the channel because a peer broke the protocol: counts it on the domain that saw it, tells the error
     * handler once.
     *
     * @param observer the domain that detected the violation.
     * @param message  the broken rule with the values seen.
     * @return the exception for the caller to throw.
     */
    final ProtocolViolationException violation(final Domain observer, final String message)
    {
        final ProtocolViolationException ex = new ProtocolViolationException(message + " on " + this);
        observer.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        if (STATE.compareAndSet(this, OPEN, BROKEN))
        {
            final Consumer<Throwable> handler = errorHandler;
            if (handler != null)
            {
                handler.accept(ex);
            }
        }
        return ex;
    }

    /**
     * {@inheritDoc}
     * <p>
     * The frames an end on another live thread may still touch return at that end's next call (class comment).
     */
    @Override
    public final void close()
    {
        close(false);
    }

    /**
     * {@inheritDoc}
     * <p>
     * Both ends count as quiescent (class comment, step 3) whatever threads they last ran on.
     */
    @Override
    public final void closeQuiescent()
    {
        close(true);
    }

    private void close(final boolean endsQuiescent)
    {
        // Volatile: an end's call that records its thread after this store sees CLOSED (class comment, step 3).
        STATE.setVolatile(this, CLOSED);
        // The closed state before any view is discarded (release, below): a receiver that read a payload through a
        // discarded view and then, after a load-load fence, reads the state sees it closed (see NotifyReceiver#poll).
        VarHandle.storeStoreFence();
        if (endsQuiescent)
        {
            synchronized (this)
            {
                endQuiescent[SENDER_END] = true;
                endQuiescent[RECEIVER_END] = true;
            }
        }
        final boolean first;
        synchronized (this)
        {
            first = !released;
            released = true;
        }
        if (first)
        {
            kernel.removeDomainListener(domainListener);
            release();
        }
        returnFrames(first, false);
    }

    /**
     * Drops the views and the virtual ranges; frees the frames itself only if the ends never pinned them (a failed
     * setup). Skips what a destroyed domain already lost.
     */
    abstract void release();

    /**
     * @param end {@link #SENDER_END} or {@link #RECEIVER_END}.
     * @return the thread of that end's last call (read volatile), or null if it was never called.
     */
    abstract Thread endThread(int end);

    /**
     * Pins, once for each end, the frames that end's views reach; all or none.
     *
     * @param senderFrames    frames the sending end reaches.
     * @param senderOwners    their owners.
     * @param receiverFrames  frames the receiving end reaches.
     * @param receiverOwners  their owners.
     */
    final void pinEnds(
        final int[] senderFrames, final Domain[] senderOwners, final int[] receiverFrames,
        final Domain[] receiverOwners)
    {
        pinEnd(SENDER_END, senderFrames, senderOwners);
        try
        {
            pinEnd(RECEIVER_END, receiverFrames, receiverOwners);
        }
        catch (final RuntimeException ex)
        {
            unpinEnd(SENDER_END);
            throw ex;
        }
    }

    private synchronized void pinEnd(final int end, final int[] frames, final Domain[] owners)
    {
        int pinned = 0;
        try
        {
            for (; pinned < frames.length; pinned++)
            {
                kernel.pinFrame(owners[pinned], frames[pinned]);
            }
        }
        catch (final RuntimeException ex)
        {
            for (int i = 0; i < pinned; i++)
            {
                kernel.unpinFrame(frames[i]);
            }
            throw ex;
        }
        endFrames[end] = frames;
        endOwners[end] = owners;
        endPinned[end] = true;
    }

    /**
     * @return whether the ends hold pins on the frames (setup finished), so that {@link #release()} leaves the
     *         frames to them.
     */
    final synchronized boolean endsPinned()
    {
        return endFrames[SENDER_END] != null;
    }

    /**
     * After a teardown: ends quiescent from this thread drop their pins; so do ends that saw the teardown.
     *
     * @param releasedHere whether this thread ran {@link #release()}.
     * @param lazy         the kernel's lazy pass, on whatever thread counts frames: only an ended thread counts.
     */
    private void returnFrames(final boolean releasedHere, final boolean lazy)
    {
        final boolean addReclaimer;
        synchronized (this)
        {
            if (releasedHere)
            {
                framesFreeable = true;
            }
            for (int end = SENDER_END; end <= RECEIVER_END; end++)
            {
                if (endPinned[end] && !endQuiescent[end] && isQuiescentFromHere(endThread(end), lazy))
                {
                    endQuiescent[end] = true;
                }
                if (endPinned[end] && endQuiescent[end] && framesFreeable)
                {
                    unpinEnd(end);
                }
            }
            addReclaimer = framesFreeable && !reclaimerAdded && (endPinned[SENDER_END] || endPinned[RECEIVER_END]);
            reclaimerAdded |= addReclaimer;
        }
        if (addReclaimer)
        {
            // An end on a live thread keeps its frames; if that thread ends uncalled, the kernel's lazy pass
            // (before it counts free frames or runs out) returns them.
            kernel.addPinReclaimer(reclaimer);
        }
    }

    /** The kernel's lazy pass: ends whose threads ended since the teardown drop their pins. */
    private boolean reclaimDeferred()
    {
        returnFrames(false, true);
        synchronized (this)
        {
            return !endPinned[SENDER_END] && !endPinned[RECEIVER_END];
        }
    }

    private static boolean isQuiescentFromHere(final Thread endThread, final boolean lazy)
    {
        if (endThread == null)
        {
            return true;
        }
        // Terminated: its last action happens before isAlive() returns false, so none of its stores is in flight.
        return !endThread.isAlive() || !lazy && endThread == Thread.currentThread();
    }

    /**
     * Called by an end, on its own thread, in a call that saw the channel broken or closed and touches no view
     * after this: the end drops its pins now if the channel is released, or when it is.
     *
     * @param end {@link #SENDER_END} or {@link #RECEIVER_END}.
     */
    final synchronized void endQuiescent(final int end)
    {
        if (endPinned[end])
        {
            endQuiescent[end] = true;
            if (framesFreeable)
            {
                unpinEnd(end);
            }
        }
    }

    private void unpinEnd(final int end)
    {
        final int[] frames = endFrames[end];
        final Domain[] owners = endOwners[end];
        endPinned[end] = false;
        for (int i = 0; i < frames.length; i++)
        {
            kernel.unpinAndFree(owners[i], frames[i]);
        }
    }

    /**
     * Points a view at private zeroed memory of the same length before the kernel frees the frames behind it, so
     * that an end that still holds the view (a claim in progress, a handler that closed the channel) writes and
     * reads only that memory, never a freed or reused frame. The memory is off-heap like the frames, so a thread
     * that races the re-wrap sees either address, never a heap base with a raw offset; either is safe, since the
     * frames stay pinned until that thread's end is quiescent (class comment).
     */
    final void discard(final UnsafeBuffer view)
    {
        final int length = view.capacity();
        if (length > 0 && discardViews)
        {
            view.wrap(ByteBuffer.allocateDirect(length));
        }
    }

    /**
     * Test hook: with {@code false}, a teardown leaves the views pointing at the frames, which is what the thread of
     * an end that raced the teardown (loaded a view's address before the re-wrap, stores after the free) still
     * writes through; a test then shows where such a store lands.
     *
     * @param on whether teardown re-points the views at private memory (the default).
     */
    final void discardViewsOnTeardown(final boolean on)
    {
        this.discardViews = on;
    }

    /** Kernel-side unmapping helper: unmaps {@code pages} pages if the domain is alive and still maps them. */
    static void unmapRange(final Kernel kernel, final Domain domain, final long address, final int pages)
    {
        if (address == 0 || !domain.isAlive())
        {
            return;
        }
        final int pageSize = domain.addressSpace().pageSize();
        for (int i = 0; i < pages; i++)
        {
            final long page = address + (long)i * pageSize;
            if (domain.addressSpace().frameAt(page) >= 0)
            {
                kernel.unmap(domain, page);
            }
        }
        kernel.unreserve(domain, address, pages);
    }

    /** Frees a run of frames if the owner is alive and still owns them. */
    static void freeRange(final Kernel kernel, final Domain owner, final int first, final int count)
    {
        if (first < 0 || !owner.isAlive())
        {
            return;
        }
        for (int frame = first; frame < first + count; frame++)
        {
            if (kernel.ownerOf(frame) == owner.id())
            {
                kernel.freeFrame(owner, frame);
            }
        }
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "[" + senderDomain + " -> " + receiverDomain + "]";
    }
}
