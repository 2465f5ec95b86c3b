package io.barge.core.device;

/**
 * A DMA transfer named a frame that is not pinned for DMA, or a range outside the frame. Nothing was transferred.
 */
public class DmaFaultException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int frame;

    /**
     * @param frame   the frame the transfer named.
     * @param message what was wrong, with values.
     */
    public DmaFaultException(final int frame, final String message)
    {
        super(message);
        this.frame = frame;
    }

    /**
     * @return the frame the transfer named.
     */
    public int frame()
    {
        return frame;
    }
}
