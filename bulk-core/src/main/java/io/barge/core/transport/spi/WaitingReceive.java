package io.barge.core.transport.spi;

import io.barge.core.notify.Waitset;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@link Receiver#receive(Message, long, TimeUnit)} built on the receiver's own {@link Receiver#register} and a
 * private {@link Waitset}: poll; if nothing is there, register, park in {@link Waitset#dispatchUntil} until the
 * registration fires (a trigger wakes the thread at once; polled channels are looked at after bounded parks), poll
 * again. A timed-out wait cancels its registration ({@link Receiver#deregister}), so the receiver may register
 * again anywhere. A transport's receiver holds one of these and delegates to it: the handler, the condition and
 * the waitset are made once, so a receive allocates nothing (registering a polled channel on the private waitset
 * allocates only when it was last registered on another waitset).
 * <p>
 * Used by the receiver's owning thread only, as the receiver is.
 */
public final class WaitingReceive
{
    /**
     * Longest park between polls while the receiver holds as many messages as it may ({@link Status#BACK_PRESSURED}):
     * a release on another domain's side (a forwarded message coming back) ends that, and nothing triggers on it.
     */
    public static final long BACK_PRESSURE_PARK_NS = 100_000L;

    private final Receiver receiver;
    private final Waitset waitset;
    private final Runnable onReady = this::onReady;
    private final BooleanSupplier isReady = this::isReady;
    /** Set by the registration's handler, perhaps on another thread (LMP's directed yield runs it on the sender's). */
    private volatile boolean ready;
    /** The thread in {@link #receive}, unparked by the handler when it runs elsewhere. */
    private volatile Thread waiter;

    /**
     * @param receiver the receiver this waits for; its {@code receive} delegates here.
     */
    public WaitingReceive(final Receiver receiver)
    {
        if (receiver == null)
        {
            throw new IllegalArgumentException("receiver must not be null");
        }
        this.receiver = receiver;
        this.waitset = new Waitset("receive " + receiver.getClass().getSimpleName());
    }

    /**
     * The contract of {@link Receiver#receive(Message, long, TimeUnit)}.
     *
     * @param into    a flyweight not currently held.
     * @param timeout longest wait; zero polls once.
     * @param unit    its unit.
     * @return {@link Status#OK}, {@link Status#END_OF_STREAM}, or {@link Status#EMPTY} if the timeout passed.
     */
    public int receive(final Message into, final long timeout, final TimeUnit unit)
    {
        if (unit == null || timeout < 0)
        {
            throw new IllegalArgumentException("receive: timeout=" + timeout + " unit=" + unit +
                ": a timeout >= 0 and a unit are needed");
        }
        int status = receiver.poll(into);
        if (isDone(status) || timeout == 0)
        {
            return isDone(status) ? status : Status.EMPTY;
        }
        // Wrap-safe: only differences of nanoTime values are compared.
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        boolean registered = false;
        try
        {
            while (true)
            {
                if (status == Status.BACK_PRESSURED)
                {
                    // A registration would fire at once (a message is there); wait for a release instead.
                    final long remaining = deadline - System.nanoTime();
                    if (remaining <= 0)
                    {
                        return Status.EMPTY;
                    }
                    LockSupport.parkNanos(this, Math.min(remaining, BACK_PRESSURE_PARK_NS));
                }
                else
                {
                    ready = false;
                    receiver.register(waitset, onReady);
                    registered = true;
                    if (!waitset.dispatchUntil(isReady, Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS))
                    {
                        return Status.EMPTY;
                    }
                    registered = false;
                }
                status = receiver.poll(into);
                if (isDone(status))
                {
                    return status;
                }
            }
        }
        finally
        {
            waiter = null;
            if (registered && !ready)
            {
                // Timed out (or the poll threw): leave nothing behind, so register may be called again.
                receiver.deregister();
            }
        }
    }

    private static boolean isDone(final int status)
    {
        return status != Status.EMPTY && status != Status.BACK_PRESSURED;
    }

    private void onReady()
    {
        ready = true;
        final Thread thread = waiter;
        if (thread != null && thread != Thread.currentThread())
        {
            LockSupport.unpark(thread); // run elsewhere (directed yield): the waiting thread was not told
        }
    }

    private boolean isReady()
    {
        return ready;
    }
}
