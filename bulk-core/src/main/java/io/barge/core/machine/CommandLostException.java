package io.barge.core.machine;

/**
 * A {@link MachineClient}'s command went unanswered through more repairs of the command ring than it re-sends for:
 * the kernel reset the ring (another process wrote garbage into it) each time the command waited. The kernel runs
 * on; whether the command took effect is unknown, which only this client's next commands can tell.
 */
public class CommandLostException extends MachineClientException
{
    private static final long serialVersionUID = 1L;

    private final int resets;

    /**
     * @param resets  the ring resets the command saw while it waited.
     * @param message what was lost and why.
     */
    public CommandLostException(final int resets, final String message)
    {
        super(message);
        this.resets = resets;
    }

    /**
     * @return the ring resets the command saw while it waited.
     */
    public int resets()
    {
        return resets;
    }
}
