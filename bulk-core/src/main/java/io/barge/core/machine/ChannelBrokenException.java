package io.barge.core.machine;

/**
 * A channel between processes whose shared memory broke the protocol (a record header or position no correct peer
 * writes, or a layout that does not match the kernel's table): the channel is unusable from this end from now on;
 * the kernel and other channels go on.
 */
public class ChannelBrokenException extends MachineClientException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was found, with values.
     */
    public ChannelBrokenException(final String message)
    {
        super(message);
    }
}
