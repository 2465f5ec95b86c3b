package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

import static io.barge.core.machine.FbufsChannelDescriptor.*;

/**
 * The transport SPI's {@link io.barge.core.transport.Sender} over an fbufs channel between processes
 * ({@link ProcessTransport}, {@link FbufsChannelDescriptor}): the originator of the channel's I/O path. A claim is the
 * start of a free run of fbufs, {@link io.barge.core.transport.Claim#buffer()} a view straight onto it (zero copy);
 * at commit the message's aggregate is written into the run behind its bytes, a leaf per fbuf under a balanced tree
 * of pairs, and only the root's offset crosses, on the transmit ring. The run comes back to this end's free list
 * (cached: still mapped in both processes) when the receiver frees it on the return ring, checked as an Rbufs
 * return is (a run out with the receiver, with the length it was sent with: no double free). The claiming,
 * back pressure, end of stream and errors are the Rbufs sender's ({@link RbufsSpiSender}), over the same control
 * area. One thread; allocates nothing per message.
 */
final class FbufsSpiSender extends RbufsSpiSender
{
    private final int fbufSize;
    private int nodeCursor;
    private int runBase;
    private int messageLength;

    FbufsSpiSender(final MachineClient client, final ChannelEntry channel, final AtomicBuffer[] views,
        final AtomicBuffer channelTable, final SpiEndState spi, final int fbufSize)
    {
        super(client, channel, views, channelTable, spi, stride(channel.maxMessageLength, fbufSize));
        this.fbufSize = fbufSize;
    }

    /**
     * Writes the message's aggregate behind its bytes in its run (plain stores: the transmit producer index's
     * release publishes them with the bytes).
     *
     * @return the root node's region offset.
     */
    @Override
    int describe(final int buffer, final int length)
    {
        runBase = buffer * stride;
        messageLength = length;
        nodeCursor = runBase + nodeAreaOffset(length);
        return writeTree(0, dataFbufs(length, fbufSize) - 1);
    }

    /** A balanced tree over the leaves of fbufs {@code first..last} of the run; depth log2 of the fbufs. */
    private int writeTree(final int first, final int last)
    {
        final int node = nodeCursor;
        nodeCursor += NODE_LENGTH;
        if (first == last)
        {
            final int start = first * fbufSize;
            putNode(data, node, LEAF, Math.min(fbufSize, messageLength - start), runBase + start, 0);
            return node;
        }
        final int middle = (first + last) >>> 1;
        final int left = writeTree(first, middle);
        final int right = writeTree(middle + 1, last);
        putNode(data, node, PAIR, 0, left, right);
        return node;
    }
}
