package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.NotifySender;
import org.agrona.DirectBuffer;

import java.lang.invoke.VarHandle;

import static io.barge.rbufs.ControlAreaDescriptor.END_OFFSET;
import static io.barge.rbufs.ControlAreaDescriptor.HEAD_OFFSET;
import static io.barge.rbufs.ControlAreaDescriptor.TAIL_OFFSET;
import static io.barge.rbufs.ControlAreaDescriptor.WAKE_HEAD_OFFSET;
import static io.barge.rbufs.ControlAreaDescriptor.WAKE_TAIL_OFFSET;

/**
 * One end's pair of event channels, in the style of Nemesis event counts with Xen's event indices. Each end's two
 * counters (the head of the ring it produces, the tail of the ring it consumes) are event counts: 64-bit values
 * that only grow, kept in the header of the control area this end writes ({@link ControlAreaDescriptor}), where
 * the peer reads them. A notification on the notification core is the wake-up that goes with an event: it is sent
 * only when a counter crosses the position at which the peer asked to be woken (its wake words, written in the
 * peer's own header when it ran out of work); every other event is counted as
 * {@link CounterType#NOTIFICATIONS_SUPPRESSED}. A polling end reads the counters on every {@link #poll()} and so
 * never misses one; an end that stops polling after {@link #arm} is always notified.
 * <p>
 * The peer is untrusted: its counters are read once per poll and validated by the listener before use. Its wake
 * words are only compared against this end's own counters, so any value is harmless: a forged one can only cause
 * or skip notifications on this channel (and a flood of them waits, like any notification, for ring room).
 * <pre>
 *   Notification payload (type {@link #TYPE_COUNTERS}, 16 bytes), the counters when it was sent; the header words
 *   are authoritative, the payload says which event woke the peer:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 head [SENDING END]                            |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 tail [SENDING END]                            |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
final class CounterLink extends LinePadding
{
    /** Notification type of a counter message. */
    static final int TYPE_COUNTERS = 1;
    /** Offset of the head in the payload. */
    static final int FIRST_OFFSET = 0;
    /** Offset of the tail in the payload. */
    static final int SECOND_OFFSET = 8;
    /** Payload length. */
    static final int PAYLOAD_LENGTH = 16;
    /** Suppressed notifications counted locally before they are added to the domain's counter. */
    static final int COUNT_BATCH = 64;

    /** Receives the peer's counters, each value read once. */
    interface Listener
    {
        /**
         * @param head the peer's head (of the ring it produces).
         * @param tail the peer's tail (of the ring it consumes).
         * @throws ProtocolViolationException if impossible.
         */
        void onCounters(long head, long tail);
    }

    private final NotifyChannel out;
    private final NotifyChannel in;
    private final Listener listener;
    private final Domain domain;
    private final RingView own;
    private final RingView peer;
    private final NotifyHandler handler = this::onNotify;
    private long publishedHead;
    private long publishedTail;
    private long seenHead;
    private long seenTail;
    private long armedHead = ControlAreaDescriptor.INITIAL_WAKE;
    private long armedTail = ControlAreaDescriptor.INITIAL_WAKE;
    private boolean pending;
    private long sent;
    private long suppressed;
    private int uncounted;
    private ProtocolViolationException violation;

    /**
     * @param out      channel this end sends wake-ups on.
     * @param in       channel this end receives wake-ups on.
     * @param listener told of the peer's counters.
     * @param domain   this end's domain (counts suppressed notifications).
     * @param own      view of the control area this end writes.
     * @param peer     view of the control area the peer writes (read only).
     */
    CounterLink(final NotifyChannel out, final NotifyChannel in, final Listener listener, final Domain domain,
        final RingView own, final RingView peer)
    {
        this.out = out;
        this.in = in;
        this.listener = listener;
        this.domain = domain;
        this.own = own;
        this.peer = peer;
    }

    /**
     * Publishes this end's counters and wakes the peer if one crossed the position it asked to be woken at.
     *
     * @param head head of the ring this end produces.
     * @param tail tail of the ring this end consumes.
     */
    void publish(final long head, final long tail)
    {
        final long oldHead = publishedHead;
        final long oldTail = publishedTail;
        if (head == oldHead && tail == oldTail)
        {
            flush();
            return;
        }
        // Release: a peer that reads a counter sees the records (or reads) done before it.
        if (head != oldHead)
        {
            own.putLongRelease(HEAD_OFFSET, head);
        }
        if (tail != oldTail)
        {
            own.putLongRelease(TAIL_OFFSET, tail);
        }
        publishedHead = head;
        publishedTail = tail;
        // Store-load fence against the peer's arm(): either it sees the new counters when it re-reads them after
        // arming, or this end sees its wake words here (Xen's mb() before checking req_event).
        VarHandle.fullFence();
        final long wakeHead = peer.getLongVolatile(WAKE_HEAD_OFFSET);
        final long wakeTail = peer.getLongVolatile(WAKE_TAIL_OFFSET);
        if ((oldHead < wakeHead && wakeHead <= head) || (oldTail < wakeTail && wakeTail <= tail))
        {
            pending = true;
        }
        else if (++uncounted >= COUNT_BATCH)
        {
            publishCount();
        }
        flush();
    }

    /**
     * Ends the stream (the originator's link): stores the end word after the last head published, then wakes the
     * peer whatever its wake words say.
     *
     * @param head the head of this end's ring, already published.
     * @return whether the wake-up went (else it waits in {@link #flush()}).
     */
    boolean publishEnd(final long head)
    {
        // Release: a peer that reads the end word sees the head and the records published before it.
        own.putLongRelease(END_OFFSET, head + 1);
        VarHandle.fullFence(); // the end word is visible before the wake-up that announces it
        pending = true;
        return flush();
    }

    /**
     * @return the peer's end word, read once with acquire: {@link ControlAreaDescriptor#NOT_ENDED} or
     *         1 + the head at which its stream ended (untrusted: the caller validates it).
     */
    long peerEnd()
    {
        return peer.getLongAcquire(END_OFFSET);
    }

    /**
     * Registers a single-shot handler for the next wake-up on the channel this end receives on (see
     * {@link io.barge.core.notify.NotifyReceiver#registerReceive}); arm first, or none may come.
     */
    void registerWake(final io.barge.core.notify.Waitset waitset, final Runnable handler)
    {
        in.receiver().registerReceive(waitset, handler);
    }

    /**
     * Cancels the handler {@link #registerWake} registered, if not yet delivered.
     *
     * @return whether one was outstanding.
     */
    boolean cancelWake()
    {
        return in.receiver().cancelReceive();
    }

    /**
     * Sends a wake-up that could not be sent before (the notification ring was full).
     *
     * @return whether nothing is left waiting.
     */
    boolean flush()
    {
        if (!pending)
        {
            return true;
        }
        final NotifySender sender = out.sender();
        final int at = sender.tryClaim();
        if (at < 0)
        {
            return false;
        }
        sender.buffer().putLong(at + FIRST_OFFSET, publishedHead);
        sender.buffer().putLong(at + SECOND_OFFSET, publishedTail);
        sender.commit(TYPE_COUNTERS, PAYLOAD_LENGTH);
        pending = false;
        sent++;
        return true;
    }

    /**
     * Asks the peer to notify this end when its head reaches {@code wakeHead} or its tail reaches {@code wakeTail}
     * ({@link ControlAreaDescriptor#NEVER} for no wake-up). Call {@link #poll()} afterwards: a counter the peer
     * published before it could see the request is found there.
     *
     * @param wakeHead peer head position to be woken at.
     * @param wakeTail peer tail position to be woken at.
     */
    void arm(final long wakeHead, final long wakeTail)
    {
        if (wakeHead == armedHead && wakeTail == armedTail)
        {
            return; // already asked (and fenced then): an idle end re-polling costs no fence
        }
        own.putLongRelease(WAKE_HEAD_OFFSET, wakeHead);
        own.putLongRelease(WAKE_TAIL_OFFSET, wakeTail);
        armedHead = wakeHead;
        armedTail = wakeTail;
        VarHandle.fullFence(); // pairs with the fence in the peer's publish()
    }

    /**
     * Takes waiting wake-ups, then reads the peer's counters once and hands them to the listener if they moved.
     *
     * @return wake-ups taken.
     * @throws ProtocolViolationException if a wake-up is malformed or a counter impossible.
     */
    int poll()
    {
        final int taken = in.receiver().poll(handler, Integer.MAX_VALUE);
        final ProtocolViolationException ex = violation;
        if (ex != null)
        {
            throw ex;
        }
        // Acquire: seeing a counter means seeing the records or reads the peer did before publishing it.
        final long head = peer.getLongAcquire(HEAD_OFFSET);
        final long tail = peer.getLongAcquire(TAIL_OFFSET);
        if (head != seenHead || tail != seenTail)
        {
            listener.onCounters(head, tail);
            seenHead = head;
            seenTail = tail;
        }
        return taken;
    }

    private void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        if (violation == null && (type != TYPE_COUNTERS || length != PAYLOAD_LENGTH))
        {
            violation = new ProtocolViolationException("counter message type=" + type + " length=" + length +
                ", expected type=" + TYPE_COUNTERS + " length=" + PAYLOAD_LENGTH);
        }
    }

    /**
     * Adds the notifications suppressed since the last call to the domain's
     * {@link CounterType#NOTIFICATIONS_SUPPRESSED} (batched: the domain counter is a shared atomic).
     */
    void publishCount()
    {
        final int n = uncounted;
        if (n > 0)
        {
            uncounted = 0;
            suppressed += n;
            if (domain.isAlive())
            {
                domain.count(CounterType.NOTIFICATIONS_SUPPRESSED, n);
            }
        }
    }

    /**
     * @return wake-ups sent so far.
     */
    long sent()
    {
        return sent;
    }

    /**
     * @return notifications suppressed so far (including those not yet added to the domain's counter).
     */
    long suppressed()
    {
        return suppressed + uncounted;
    }

    /**
     * @return the channel this end sends on (tests use it to forge wake-ups).
     */
    NotifyChannel out()
    {
        return out;
    }

    /**
     * @return the view of this end's own header (tests play a forging peer with it).
     */
    RingView ownHeader()
    {
        return own;
    }

}
