package io.barge.core.machine;

/**
 * The kernel answered a {@link MachineClient}'s command with an error ({@link ControlProtocolDescriptor}'s
 * {@code ERROR_*} codes): the command changed nothing.
 */
public class KernelRefusedException extends MachineClientException
{
    private static final long serialVersionUID = 1L;

    private final int errorCode;

    /**
     * @param errorCode the kernel's code, e.g. {@link ControlProtocolDescriptor#ERROR_NOT_OWNER}.
     * @param message   the kernel's message, with the command that was refused.
     */
    public KernelRefusedException(final int errorCode, final String message)
    {
        super(message);
        this.errorCode = errorCode;
    }

    /**
     * @return the kernel's code, e.g. {@link ControlProtocolDescriptor#ERROR_NOT_OWNER}.
     */
    public int errorCode()
    {
        return errorCode;
    }
}
