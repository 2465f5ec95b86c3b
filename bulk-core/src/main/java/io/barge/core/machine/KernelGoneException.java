package io.barge.core.machine;

/**
 * The kernel a {@link MachineClient} talks to is gone: it closed, its process died, its heartbeat is older than its
 * timeout, or its file was truncated or replaced.
 */
public class KernelGoneException extends MachineClientException
{
    private static final long serialVersionUID = 1L;

    private final transient MachineStatus status;

    /**
     * @param message what the client was doing and what it found.
     * @param status  the kernel's status as the file last said, or null if the file could not be read.
     */
    public KernelGoneException(final String message, final MachineStatus status)
    {
        super(message);
        this.status = status;
    }

    /**
     * @return the kernel's status as the file last said, or null if the file could not be read.
     */
    public MachineStatus status()
    {
        return status;
    }
}
