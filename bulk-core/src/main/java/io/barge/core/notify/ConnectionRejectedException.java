package io.barge.core.notify;

/**
 * A service's connect callback refused a bind. The channels built for it were torn down and their frames freed.
 */
public class ConnectionRejectedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which service refused whom.
     */
    public ConnectionRejectedException(final String message)
    {
        super(message);
    }
}
