package io.barge.drivers.pipeline;

import io.barge.core.transport.Message;
import io.barge.core.transport.Status;

/**
 * What a middle stage of a {@link Pipeline} does with each message it receives: forward it untouched
 * ({@link Outlet#forward}), transform it (claim on the outlet, write, commit), or consume it (return without
 * sending anything). Runs on the stage's thread, one message at a time.
 */
@FunctionalInterface
public interface StageHandler
{
    /** Forwards every message untouched: zero-copy where the two hops' transports allow it. */
    StageHandler FORWARD = (message, out) -> out.forward(message);

    /**
     * Handles one held message.
     *
     * @param message a message this stage's domain received; held until this returns {@link Status#OK}.
     * @param out     the next hop.
     * @return {@link Status#OK} when done with the message (forwarded, transformed or consumed: the pipeline
     *         releases it if it is still held), or {@link Status#BACK_PRESSURED} when the outlet had no room: nothing
     *         was sent, the message stays held and this handler is called again with it on a later duty cycle.
     */
    int onMessage(Message message, Outlet out);
}
