package io.barge.core.machine;

/**
 * The other end of a channel between processes closed it or died (the kernel timed its client out), and every
 * message it committed before has been delivered.
 */
public class PeerGoneException extends MachineClientException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which end, how it went.
     */
    public PeerGoneException(final String message)
    {
        super(message);
    }
}
