package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

import static io.barge.core.machine.FbufsChannelDescriptor.*;

/**
 * The transport SPI's {@link io.barge.core.transport.Sender} over an fbufs channel between processes
 * ({@link ProcessTransport}, {@link FbufsChannelDescriptor}): the originator of the channel's I/O path. A claim is the
 * start of a free run of fbufs, {@link io.barge.core.transport.Claim#buffer()} a view straight onto it (zero copy);
 * at commit the message's aggregate is written into the run behind its bytes (one leaf over them: {@link #describe})
 * and only the root's offset crosses, on the transmit ring. The run comes back to this end's free list
 * (cached: still mapped in both processes) when the receiver frees it on the return ring, checked as an Rbufs
 * return is (a run out with the receiver, with the length it was sent with: no double free). The claiming,
 * back pressure, end of stream and errors are the Rbufs sender's ({@link RbufsSpiSender}), over the same control
 * area. One thread; allocates nothing per message.
 */
final class FbufsSpiSender extends RbufsSpiSender
{
    FbufsSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int fbufSize)
    {
        super(client, channel, views, channelTable, spi, stride(channel.maxMessageLength, fbufSize));
    }

    /**
     * Writes the message's aggregate behind its bytes in its run (plain stores: the transmit producer index's
     * release publishes them with the bytes): one leaf over all its bytes, as the in-process sender writes a leaf
     * per piece and a claim is one piece. The run's fbufs are consecutive, so the leaf is one contiguous range of
     * the message's fbufs; a leaf per fbuf under a tree of pairs would cost a node write here and a node walk at the
     * receiver per fbuf (31 nodes for 64 KiB) for the same bytes.
     *
     * @return the root node's region offset.
     */
    @Override
    int describe(final int buffer, final int length)
    {
        final int runBase = buffer * stride;
        final int root = runBase + nodeAreaOffset(length);
        putNode(data, root, LEAF, length, runBase, 0);
        return root;
    }
}
