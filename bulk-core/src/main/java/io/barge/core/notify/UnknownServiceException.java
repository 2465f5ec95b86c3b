package io.barge.core.notify;

/**
 * A bind named a service nobody exported. Nothing was allocated.
 */
public class UnknownServiceException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the name looked up and what is exported.
     */
    public UnknownServiceException(final String message)
    {
        super(message);
    }
}
