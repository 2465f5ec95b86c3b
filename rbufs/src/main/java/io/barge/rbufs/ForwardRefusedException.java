package io.barge.rbufs;

import io.barge.core.ProtocolViolationException;

/**
 * A forwarding domain on an Rbufs path asked to hand on a region of the path's data area that it does not hold as
 * it received it: one never delivered to it (or already given back), one it forwarded already, or one whose base
 * or length differs from what it was given. Nothing is sent, nothing changes, the channel stays open; the refusal is
 * counted ({@link io.barge.core.CounterType#PROTOCOL_VIOLATIONS}) in the forwarding domain.
 */
public final class ForwardRefusedException extends ProtocolViolationException
{
    private static final long serialVersionUID = 1L;

    /** Why a forward was refused. */
    public enum Reason
    {
        /** The region is not held by the forwarding domain: never delivered to it, or already given back. */
        NOT_HELD,
        /** The region was forwarded already and has not come back. */
        FORWARDED_TWICE,
        /** The base or length is not the one the region was delivered with. */
        ALTERED
    }

    private final Reason reason;

    /**
     * @param reason  the broken rule.
     * @param message the rule with the values seen.
     */
    public ForwardRefusedException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    /**
     * @return the broken rule.
     */
    public Reason reason()
    {
        return reason;
    }
}
