package io.barge.core;

/**
 * A peer domain broke a shared-memory or message protocol: a corrupt control word, an impossible index, a
 * descriptor pointing outside what it may name. The channel that saw it is torn down; nothing else is.
 */
public class ProtocolViolationException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the broken rule, with the values seen.
     */
    public ProtocolViolationException(final String message)
    {
        super(message);
    }
}
