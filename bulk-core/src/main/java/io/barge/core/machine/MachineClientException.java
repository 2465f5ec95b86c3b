package io.barge.core.machine;

/**
 * A {@link MachineClient}'s request failed: no answer in time, or the ring stayed full. Its subtypes say when the
 * kernel is gone ({@link KernelGoneException}) or refused ({@link KernelRefusedException}).
 */
public class MachineClientException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and why.
     */
    public MachineClientException(final String message)
    {
        super(message);
    }

    /**
     * @param message what failed and why.
     * @param cause   the underlying failure.
     */
    public MachineClientException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
