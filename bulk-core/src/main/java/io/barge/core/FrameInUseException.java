package io.barge.core;

/**
 * A domain asked the kernel to free a frame that is pinned ({@link Kernel#pinFrame}): a grant mapping or a device
 * still uses it. The frame stays allocated and owned as before.
 */
public class FrameInUseException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the frame and its pin count.
     */
    public FrameInUseException(final String message)
    {
        super(message);
    }
}
