package io.barge.core.transport;

/**
 * An unknown transport, an unknown option key or a value an option does not accept. The message lists the valid
 * ones.
 */
public class InvalidOptionException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong and what is valid.
     */
    public InvalidOptionException(final String message)
    {
        super(message);
    }
}
