package io.barge.core.transport.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One end's state word, which keeps a teardown from freeing frames while the end may still touch them through its
 * raw ring views. An end's every public call runs between {@link #enter} and {@link #leave}; a teardown (a close
 * from any thread, or a peer's death reported on the thread that destroyed it) first waits for the end to be
 * outside a call and then bars it ({@link #shut}), or holds it out for a moment ({@link #hold}, used to detach a
 * dead multicast receiver while the sender's bookkeeping is changed on another thread).
 * <p>
 * The protocol, for an end E and a teardown T on another thread:
 * <ol>
 *   <li>E enters with a CAS IDLE to BUSY (a full fence). Only E ever moves its word away from BUSY.</li>
 *   <li>E's accesses to shared frames all happen inside the call.</li>
 *   <li>E leaves with a release store of IDLE: whoever next moves the word from IDLE sees every access E made.</li>
 *   <li>T moves the word IDLE to SHUT (or HELD) with a CAS, spinning while it is BUSY. The CAS acquires E's
 *       release (3), so every access E made happens before T frees anything; and E's next CAS (1) fails, so E
 *       touches nothing after T's frees: it throws {@link io.barge.core.ChannelClosedException} instead.</li>
 *   <li>A HELD word goes back to IDLE with a release store once T's changes are made; an E that found it HELD
 *       spins until then and sees T's changes through that release.</li>
 * </ol>
 * A teardown on E's own thread while E is inside a call (a test hook destroying a domain mid-call) cannot wait for
 * E: it shuts the word at once; the end must then touch no freed frame when it resumes on that thread (Rbufs' ring
 * views read private zeros once dropped).
 * <p>
 * Steady state costs one uncontended CAS and one release store per call, on a line only E writes: half of what an
 * uncontended monitor costs (a CAS to enter and one to exit). Unlike a monitor the gate is not reentrant and does
 * not queue: a second thread entering a busy end is told so ({@link IllegalStateException}), as an end belongs to
 * one thread. Used by the Xen ends; the Rbufs ends need no CAS per call ({@link QuiescentEnd}, {@link Deferral}).
 */
public final class EndGate extends EndGatePadding
{
    /** {@link #hold} result: the end is held out; call {@link #unhold} when done. */
    public static final int HELD_OUT = 1;
    /** {@link #hold} result: this thread is inside the end's call (a hook); go on without waiting or undoing. */
    public static final int INSIDE = 2;
    /** {@link #hold} result: the end is shut; there is nothing to do on it. */
    public static final int ALREADY_SHUT = 3;

    private static final int IDLE = 0;
    private static final int BUSY = 1;
    private static final int HELD = 2;
    private static final int SHUT = 3;
    private static final VarHandle WORD;

    static
    {
        try
        {
            WORD = MethodHandles.lookup().findVarHandle(EndGate.class, "word", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile int word;
    // Written before the entering CAS, so a teardown that sees BUSY sees the caller of that call or a later one.
    private Thread caller;

    /**
     * Enters a call.
     *
     * @return false if the end is shut: the caller must throw, touching nothing.
     * @throws IllegalStateException if another call on this end is in progress (two threads on one end).
     */
    public boolean enter()
    {
        final Thread before = caller;
        caller = Thread.currentThread();
        return WORD.compareAndSet(this, IDLE, BUSY) || enterSlow(before);
    }

    private boolean enterSlow(final Thread before)
    {
        int spins = 0;
        while (true)
        {
            final int w = word;
            if (w == SHUT)
            {
                return false;
            }
            if (w == BUSY)
            {
                caller = before; // the thread inside stays the one a same-thread teardown recognises
                throw new IllegalStateException("a call on this end is already in progress on another thread: one thread per end");
            }
            if (w == IDLE)
            {
                if (WORD.compareAndSet(this, IDLE, BUSY))
                {
                    return true;
                }
            }
            else
            {
                spins = backOff(spins); // HELD: a detach is changing this end's bookkeeping, briefly
            }
        }
    }

    /**
     * Leaves a call. A same-thread teardown during the call may have shut the word: it stays shut.
     */
    public void leave()
    {
        if ((int)WORD.getOpaque(this) == BUSY)
        {
            WORD.setRelease(this, IDLE);
        }
    }

    /**
     * Waits until the end is outside a call and bars it for good.
     */
    public void shut()
    {
        if (acquire(SHUT) == BUSY)
        {
            WORD.setVolatile(this, SHUT); // own thread, inside a call: see the class comment
        }
    }

    /**
     * Waits until the end is outside a call and keeps it out until {@link #unhold}.
     *
     * @return {@link #HELD_OUT}, {@link #INSIDE} or {@link #ALREADY_SHUT}.
     */
    public int hold()
    {
        final int was = acquire(HELD);
        return was == IDLE ? HELD_OUT : was == BUSY ? INSIDE : ALREADY_SHUT;
    }

    /**
     * Lets the end in again after {@link #hold} returned {@link #HELD_OUT}.
     */
    public void unhold()
    {
        WORD.setRelease(this, IDLE);
    }

    /**
     * @return IDLE if the word moved from IDLE to {@code to}, SHUT if it was shut already, BUSY if this thread is
     *         the one inside the call.
     */
    private int acquire(final int to)
    {
        int spins = 0;
        while (true)
        {
            final int w = word;
            if (w == SHUT)
            {
                return SHUT;
            }
            if (w == IDLE && WORD.compareAndSet(this, IDLE, to))
            {
                return IDLE;
            }
            if (w == BUSY && caller == Thread.currentThread())
            {
                return BUSY;
            }
            spins = backOff(spins);
        }
    }

    private static int backOff(final int spins)
    {
        if (spins < 100)
        {
            Thread.onSpinWait();
        }
        else
        {
            LockSupport.parkNanos(1_000);
        }
        return spins + 1;
    }
}

/**
 * 128 bytes in front of the gate's word: ends are allocated beside the objects of their peer's thread, and the word
 * is written on every call (the padding of Agrona's and JCTools' hot fields).
 */
abstract class EndGatePadding
{
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p10, p11, p12, p13, p14, p15, p16, p17;
}
