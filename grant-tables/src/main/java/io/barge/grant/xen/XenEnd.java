package io.barge.grant.xen;

import io.barge.core.transport.spi.QuiescentEnd;

/**
 * What every end of a xen channel shares: its record for the channel's quiescent-state teardown
 * ({@link QuiescentEnd}: a call stores its thread only when the thread changes, then reads the channel's state; no
 * CAS and no fence per call), and the name of the call in progress, for errors. A call that finds the channel closed
 * touches nothing shared after that read and marks this end quiescent, so the teardown's frees (rings, pages, grants)
 * run once both ends are (see {@link AbstractXenChannel}).
 * <p>
 * One thread acts for an end at a time; it may be handed to another thread with a happens-before edge between the
 * two (as for the notification core's and the Rbufs ends). Not checked: that check was the per-call CAS this record
 * replaced.
 */
abstract class XenEnd
{
    /** The channel this end belongs to. */
    final AbstractXenChannel owner;
    private final QuiescentEnd end = new QuiescentEnd();
    /** The user's call in progress, for errors: a constant string per call, so setting it allocates nothing. */
    String call;

    XenEnd(final AbstractXenChannel owner, final String firstCall)
    {
        this.owner = owner;
        this.call = firstCall;
    }

    /**
     * Enters a call and names it.
     *
     * @throws io.barge.core.ChannelClosedException if the channel is closed (this end is quiescent then).
     */
    final void enter(final String operation)
    {
        if (!tryEnter(operation))
        {
            throw owner.closed(operation);
        }
    }

    /**
     * Records this thread, then reads the channel's state ({@link QuiescentEnd}, step 1).
     *
     * @return whether the call may go on (and is named); false once the channel is closed: the caller touches
     *         nothing shared, and this end is quiescent.
     */
    final boolean tryEnter(final String operation)
    {
        end.enter();
        if (owner.isClosed())
        {
            end.quiescent();
            return false;
        }
        call = operation;
        return true;
    }

    /**
     * Adds the notifications this end's ring counted since the last addition to its domain's counters (they are
     * added in batches, {@link io.barge.grant.FrontRing#COUNT_BATCH}); on this end's thread.
     */
    abstract void publishCounts();

    /**
     * @return this end's record (the channel's teardown waits on it).
     */
    final QuiescentEnd quiescentEnd()
    {
        return end;
    }
}
