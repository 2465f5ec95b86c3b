package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.spi.QuiescentEnd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Lifecycle of one Rbufs channel (or one multicast receiver's link): open, broken by a protocol violation, or
 * closed. Read by both ends' threads, hence volatile.
 */
final class EndState
{
    private static final int OPEN = 0;
    private static final int BROKEN = 1;
    private static final int CLOSED = 2;
    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(EndState.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final String name;
    private volatile int state = OPEN;
    private volatile Throwable cause;

    /**
     * @param name for messages.
     */
    EndState(final String name)
    {
        this.name = name;
    }

    /**
     * @throws ChannelClosedException unless open.
     */
    void check()
    {
        if (state != OPEN)
        {
            throw closedException();
        }
    }

    /**
     * @return the error for a call on an end that is shut or not open.
     */
    ChannelClosedException closedException()
    {
        return closedException("call");
    }

    /**
     * @param operation the call the user made, e.g. {@code "commit"}.
     * @return the error for that call on an end that is shut or not open, naming rbufs and the call first.
     */
    ChannelClosedException closedException(final String operation)
    {
        final Throwable why = cause;
        return new ChannelClosedException("rbufs " + operation + ": channel " + (state == BROKEN ? "broken" :
            "closed") + " (rbufs channel " + name + ")" + (why == null ? "" : ": " + why.getMessage()));
    }

    /**
     * @param operation the call the user made.
     * @throws ChannelClosedException unless open.
     */
    void check(final String operation)
    {
        if (state != OPEN)
        {
            throw closedException(operation);
        }
    }

    /**
     * @return whether open and not broken.
     */
    boolean isOpen()
    {
        return state == OPEN;
    }

    /**
     * An end's call starts here: records the calling thread, then reads the state ({@link QuiescentEnd}, step 1).
     *
     * @param end the calling end's record.
     * @return false if the channel is closed: the end is quiescent and the caller touches none of its views.
     */
    boolean admit(final QuiescentEnd end)
    {
        end.enter();
        if (state != CLOSED)
        {
            return true;
        }
        end.quiescent();
        return false;
    }

    /**
     * @param end       the calling end's record, quiescent if the channel is closed (the caller touches nothing).
     * @param operation the call the user made.
     * @return the error for that call on an end that is not open.
     */
    ChannelClosedException closedException(final QuiescentEnd end, final String operation)
    {
        if (state == CLOSED)
        {
            end.quiescent();
        }
        return closedException(operation);
    }

    /**
     * @return whether closed (not merely broken): an end that sees it touches nothing of the channel again.
     */
    boolean isClosed()
    {
        return state == CLOSED;
    }

    /**
     * Records a violation the given domain detected: counts it and breaks the channel.
     *
     * @param detector the domain that saw it.
     * @param ex       the violation.
     * @return the violation, to rethrow.
     * @throws ChannelClosedException if the channel was closed meanwhile.
     */
    ProtocolViolationException broken(final Domain detector, final ProtocolViolationException ex)
    {
        if (state == CLOSED)
        {
            check(); // closed under a running end, whose views now read zeros: report the close, not the zeros
        }
        detector.count(CounterType.PROTOCOL_VIOLATIONS, 1);
        if (state == OPEN)
        {
            cause = ex;
            STATE.compareAndSet(this, OPEN, BROKEN);
        }
        return ex;
    }

    /**
     * Breaks the channel for a reason other than a violation (a multicast receiver detached after a timeout).
     *
     * @param reason what happened.
     */
    void detached(final RuntimeException reason)
    {
        if (state == OPEN)
        {
            cause = reason;
            STATE.compareAndSet(this, OPEN, BROKEN);
        }
    }

    /**
     * Marks the channel closed; exactly one of racing callers is first.
     *
     * @return whether it was not closed before.
     */
    boolean close()
    {
        return (int)STATE.getAndSet(this, CLOSED) != CLOSED;
    }

    /**
     * Records that a domain of the channel died, as the cause the closed channel reports (unless a violation is
     * already the cause); the caller then closes.
     *
     * @param dead the destroyed domain.
     */
    void died(final Domain dead)
    {
        if (state == OPEN)
        {
            cause = new ChannelClosedException("domain " + dead + " died");
        }
    }

    /**
     * @return the violation that broke the channel, or null.
     */
    Throwable cause()
    {
        return cause;
    }
}
