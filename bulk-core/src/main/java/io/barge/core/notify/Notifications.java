package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;

/**
 * Opens one-way notification channels between two domains.
 */
public final class Notifications
{
    private Notifications()
    {
    }

    /**
     * Opens a channel from {@code sender} to {@code receiver}.
     * <ul>
     *   <li>{@link ChannelConfig.Notification#UMP}: a {@link UmpChannel}, a ring of {@code slots} 64-byte slots
     *       the receiver polls; for domains on different threads, cores or processes.</li>
     *   <li>{@link ChannelConfig.Notification#LMP}: an {@link LmpChannel}, the kernel copying each message into
     *       an endpoint of {@code slots} entries in the receiver; for domains on the same {@link Core}.</li>
     * </ul>
     *
     * @param kernel   the kernel that allocates and maps the channel's memory.
     * @param sender   the sending domain.
     * @param receiver the receiving domain.
     * @param kind     UMP or LMP.
     * @param slots    messages in flight, a power of two (UMP: 2..65536; LMP: 2..{@link LmpDescriptor#MAX_SLOTS}).
     * @return the open channel; close it to free its memory.
     */
    public static NotifyChannel open(
        final Kernel kernel, final Domain sender, final Domain receiver, final ChannelConfig.Notification kind,
        final int slots)
    {
        if (kind == null)
        {
            throw new IllegalArgumentException("kind must not be null");
        }
        switch (kind)
        {
            case UMP:
                return new UmpChannel(kernel, sender, receiver, slots);
            case LMP:
                return new LmpChannel(kernel, sender, receiver, slots);
            default:
                throw new IllegalArgumentException("unknown notification kind " + kind);
        }
    }

    /**
     * @param kernel   the kernel.
     * @param sender   the sending domain.
     * @param receiver the receiving domain.
     * @param slots    ring slots.
     * @return a UMP channel with its concrete type.
     */
    public static UmpChannel openUmp(final Kernel kernel, final Domain sender, final Domain receiver, final int slots)
    {
        return new UmpChannel(kernel, sender, receiver, slots);
    }

    /**
     * @param kernel   the kernel.
     * @param sender   the sending domain.
     * @param receiver the receiving domain.
     * @param slots    endpoint entries.
     * @return an LMP channel with its concrete type.
     */
    public static LmpChannel openLmp(final Kernel kernel, final Domain sender, final Domain receiver, final int slots)
    {
        return new LmpChannel(kernel, sender, receiver, slots);
    }
}
