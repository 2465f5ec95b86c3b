package io.barge.core.machine;

/**
 * A channel between client processes as the kernel keeps it on its heap, and as an end copies it out of the channel
 * table (then validated before use: the table is shared memory).
 */
final class ChannelEntry
{
    final int channelId;
    final int senderDomain;
    final int receiverDomain;
    final int senderClient;
    final int receiverClient;
    final int firstFrame;
    final int frameCount;
    final int capacity;
    final int maxMessageLength;
    int senderEnd = ChannelTableDescriptor.END_OPEN;
    int receiverEnd = ChannelTableDescriptor.END_OPEN;
    /** {@link ProcessChannelDescriptor#KIND_RING}, {@code KIND_RBUFS} or {@code KIND_FBUFS}. */
    int kind = ProcessChannelDescriptor.KIND_RING;
    /** The kind's option: a {@code KIND_XEN} channel's grant mode (XenChannelDescriptor), else 0. */
    int kindOption;
    /** A {@code KIND_XEN} channel's grants in use by its back end, the kernel's own record (kernel side only). */
    XenGrantOps.ActiveGrants activeGrants;
    /** The kernel's slot for it (kernel side only). */
    int slot = -1;

    ChannelEntry(final int channelId, final int senderDomain, final int receiverDomain, final int senderClient,
        final int receiverClient, final int firstFrame, final int frameCount, final int capacity,
        final int maxMessageLength)
    {
        this.channelId = channelId;
        this.senderDomain = senderDomain;
        this.receiverDomain = receiverDomain;
        this.senderClient = senderClient;
        this.receiverClient = receiverClient;
        this.firstFrame = firstFrame;
        this.frameCount = frameCount;
        this.capacity = capacity;
        this.maxMessageLength = maxMessageLength;
    }

    boolean bothEndsGone()
    {
        return senderEnd != ChannelTableDescriptor.END_OPEN && receiverEnd != ChannelTableDescriptor.END_OPEN;
    }
}
