package io.barge.drivers.idd;

import io.barge.core.ChannelClosedException;

/**
 * The driver domain a guest's virtual NIC was served by is gone (destroyed or closed): the guest's channels to it
 * are closed and every buffer it had lent is back. A guest that gets this may attach to a new {@link DriverDomain}.
 */
public class DeviceGoneException extends ChannelClosedException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which device, and what was attempted.
     */
    public DeviceGoneException(final String message)
    {
        super(message);
    }
}
