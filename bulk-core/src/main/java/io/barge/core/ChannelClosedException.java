package io.barge.core;

/**
 * An operation on a channel or binding that has been torn down.
 */
public class ChannelClosedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was attempted on what.
     */
    public ChannelClosedException(final String message)
    {
        super(message);
    }
}
