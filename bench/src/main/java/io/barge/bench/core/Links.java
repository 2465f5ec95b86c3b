package io.barge.bench.core;

import io.barge.core.notify.Notifications;
import io.barge.core.transport.ChannelConfig;

/**
 * Opens the links the comparisons drive.
 */
final class Links
{
    private Links()
    {
    }

    /**
     * @param machine  where the channel's memory comes from; domain a sends, b receives.
     * @param messages ring slots.
     * @return a UMP link.
     */
    static SpscLink ump(final Machine machine, final int messages)
    {
        return new UmpLink("ump", Notifications.open(
            machine.kernel(), machine.a(), machine.b(), ChannelConfig.Notification.UMP, messages));
    }

    /**
     * @param machine  where the channel's memory comes from; domain b sends, a receives.
     * @param messages ring slots.
     * @return a UMP link in the other direction.
     */
    static SpscLink umpReverse(final Machine machine, final int messages)
    {
        return new UmpLink("ump", Notifications.open(
            machine.kernel(), machine.b(), machine.a(), ChannelConfig.Notification.UMP, messages));
    }
}
