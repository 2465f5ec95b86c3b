package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.Notifications;
import io.barge.core.transport.ChannelConfig;

/**
 * Opens the one-way notification channels that carry Rbufs event counts. Production code uses the notification
 * core; tests may pass their own to play a misbehaving peer.
 */
@FunctionalInterface
public interface NotifyFactory
{
    /** The notification core: {@link Notifications#open}. */
    NotifyFactory CORE = Notifications::open;

    /**
     * @param kernel the machine.
     * @param from   sending domain.
     * @param to     receiving domain.
     * @param kind   UMP or LMP.
     * @param slots  messages the channel can hold unread.
     * @return an open channel.
     */
    NotifyChannel open(Kernel kernel, Domain from, Domain to, ChannelConfig.Notification kind, int slots);
}
