package io.barge.core.transport;

/**
 * The contract, run against the copy baseline notified over LMP.
 */
class CopyTransportLmpContractTest extends TransportContractTest
{
    @Override
    protected String transportName()
    {
        return "copy";
    }

    @Override
    protected ChannelConfig config()
    {
        return super.config().withNotification(ChannelConfig.Notification.LMP);
    }
}
