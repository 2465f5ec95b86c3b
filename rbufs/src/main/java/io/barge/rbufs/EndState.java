package io.barge.rbufs;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;

/**
 * Lifecycle of one Rbufs channel (or one multicast receiver's link): open, broken by a protocol violation, or
 * closed. Read by both ends' threads, hence volatile.
 */
final class EndState
{
    private static final int OPEN = 0;
    private static final int BROKEN = 1;
    private static final int CLOSED = 2;

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
            throw new ChannelClosedException("rbufs channel " + name + " is " + (state == BROKEN ?
                "broken: " + cause.getMessage() : "closed"));
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
            state = BROKEN;
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
            state = BROKEN;
        }
    }

    /**
     * Marks the channel closed.
     *
     * @return whether it was not closed before.
     */
    boolean close()
    {
        final boolean first = state != CLOSED;
        state = CLOSED;
        return first;
    }

    /**
     * @return the violation that broke the channel, or null.
     */
    Throwable cause()
    {
        return cause;
    }
}
