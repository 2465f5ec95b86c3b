package io.barge.core;

/**
 * A buffer or message was used in a state that forbids it: released twice, read after release, sent twice.
 */
public class BufferStateException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the broken rule.
     */
    public BufferStateException(final String message)
    {
        super(message);
    }
}
