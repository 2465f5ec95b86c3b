package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

/**
 * What both ends of an Rbufs channel between processes derive from its sizes ({@link RbufsChannelDescriptor}): the
 * data area, the buffers' stride and count, the rings' slots and where the return ring starts. An fbufs channel
 * ({@link FbufsChannelDescriptor}) has the same control area, its runs of fbufs as the buffers.
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
        this(client, channel, header, control, data, channelTable, slot, end, role,
            RbufsChannelDescriptor.stride(channel.maxMessageLength));
    }

    /** With the bytes from one buffer's start to the next given: an fbufs channel's runs. */
    ProcessRbufsEnd(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer control, final AtomicBuffer data, final AtomicBuffer channelTable, final int slot,
        final int end, final String role, final int stride)
    {
        super(client, channel, header, control, channelTable, slot, end, role);
        this.data = data;
        this.stride = stride;
        this.bufferCount = capacity / stride;
        this.slots = RbufsChannelDescriptor.slots(bufferCount);
        this.slotMask = slots - 1;
        this.returnRing = RbufsChannelDescriptor.returnRingOffset(slots);
    }

    /**
     * For a receiver: the transmit producer index (acquire: every IOrec below it and its bytes are visible),
     * checked against what a correct sender can have pushed.
     *
     * @param consumer IOrecs taken so far.
     * @return the producer index.
     */
    final long readTxProducer(final long consumer)
    {
        final long producer = RbufsChannelDescriptor.indexAcquire(ring, RbufsChannelDescriptor.TX_PRODUCER_OFFSET);
        if (producer < consumer || producer - consumer > slots)
        {
            throw breaks("the sender's transmit producer index=" + producer + " is not in [" + consumer + ", " +
                (consumer + slots) + "]");
        }
        return producer;
    }
}
