package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

/**
 * What both ends of an Rbufs channel between processes derive from its sizes ({@link RbufsChannelDescriptor}): the
 * data area, the buffers' stride and count, the rings' slots and where the return ring starts.
 */
abstract class ProcessRbufsEnd extends ProcessChannelEnd
{
    final AtomicBuffer data;
    final int stride;
    final int bufferCount;
    final int slots;
    final int slotMask;
    final int returnRing;

    ProcessRbufsEnd(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer control, final AtomicBuffer data, final AtomicBuffer channelTable, final int slot,
        final int end, final String role)
    {
        super(client, channel, header, control, channelTable, slot, end, role);
        this.data = data;
        this.stride = RbufsChannelDescriptor.stride(maxMessageLength);
        this.bufferCount = RbufsChannelDescriptor.bufferCount(capacity, maxMessageLength);
        this.slots = RbufsChannelDescriptor.slots(bufferCount);
        this.slotMask = slots - 1;
        this.returnRing = RbufsChannelDescriptor.returnRingOffset(slots);
    }
}
