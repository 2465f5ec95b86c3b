package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

/**
 * What both ends of a Xen channel between processes derive from its sizes ({@link XenChannelDescriptor}): the grant
 * table, the pages this end maps (the pool, or the back end's copy area), the buffers' pages and stride, the ring's
 * slots and the grant mode; and the check, at open, that the ring's header is the one the kernel laid out.
 */
abstract class ProcessXenEnd extends ProcessChannelEnd
{
    final AtomicBuffer table;
    final AtomicBuffer data;
    final int frameSize;
    final int pagesPerBuffer;
    final int stride;
    final int bufferCount;
    final int slotMask;
    final int poolPages;
    /** {@link XenChannelDescriptor#MODE_PERSISTENT} or {@code MODE_COPY}. */
    final int mode;
    final int receiverDomain;

    ProcessXenEnd(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final int frameSize, final int end, final String role)
    {
        super(client, channel, views[0], views[1], channelTable, channel.slot, end, role);
        this.table = views[2];
        this.data = views[3];
        this.frameSize = frameSize;
        this.pagesPerBuffer = XenChannelDescriptor.pagesPerBuffer(maxMessageLength, frameSize);
        this.stride = pagesPerBuffer * frameSize;
        this.bufferCount = XenChannelDescriptor.bufferCount(capacity, maxMessageLength, frameSize);
        this.slotMask = bufferCount - 1;
        this.poolPages = capacity / frameSize;
        this.mode = channel.kindOption;
        this.receiverDomain = channel.receiverDomain;
        final String badRing = XenChannelDescriptor.checkRing(ring, bufferCount);
        if (badRing != null)
        {
            throw new ChannelBrokenException("channel " + channelId + ": " + badRing);
        }
    }
}
