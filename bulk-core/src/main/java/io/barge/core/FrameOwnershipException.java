package io.barge.core;

/**
 * A domain asked the kernel to act on a frame it does not own (map, share, free, transfer).
 */
public class FrameOwnershipException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the frame, the asking domain and the real owner.
     */
    public FrameOwnershipException(final String message)
    {
        super(message);
    }
}
