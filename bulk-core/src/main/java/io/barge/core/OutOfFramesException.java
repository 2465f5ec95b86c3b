package io.barge.core;

/**
 * Physical memory has fewer free frames than an allocation needs. Nothing was allocated.
 */
public class OutOfFramesException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message how many were asked for and how many are free.
     */
    public OutOfFramesException(final String message)
    {
        super(message);
    }
}
