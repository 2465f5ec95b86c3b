package io.barge.grant.xen;

import io.barge.core.transport.spi.EndGate;

/**
 * What every end of a xen channel shares: the {@link EndGate} each of its calls runs in (one CAS in, a release store
 * out; teardown shuts it once no call is in progress, so no call touches the ring or the buffers after their frames
 * went back), and the name of the call in progress, for errors.
 */
abstract class XenEnd
{
    /** The channel this end belongs to. */
    final AbstractXenChannel owner;
    private final EndGate gate = new EndGate();
    /** The user's call in progress, for errors: a constant string per call, so setting it allocates nothing. */
    String call;

    XenEnd(final AbstractXenChannel owner, final String firstCall)
    {
        this.owner = owner;
        this.call = firstCall;
    }

    /**
     * Enters a call through the gate and names it.
     *
     * @throws io.barge.core.ChannelClosedException if teardown shut the gate.
     */
    final void enter(final String operation)
    {
        if (!gate.enter())
        {
            throw owner.closed(operation);
        }
        call = operation;
    }

    /**
     * @return whether the gate was entered (and the call named); false once teardown shut it.
     */
    final boolean tryEnter(final String operation)
    {
        if (!gate.enter())
        {
            return false;
        }
        call = operation;
        return true;
    }

    /** Leaves the call. */
    final void leave()
    {
        gate.leave();
    }

    /** Teardown: waits for a call in progress, then bars every later one. */
    final void shut()
    {
        gate.shut();
    }
}
