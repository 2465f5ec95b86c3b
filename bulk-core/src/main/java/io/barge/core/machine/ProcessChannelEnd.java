package io.barge.core.machine;

import org.agrona.concurrent.AtomicBuffer;

/**
 * What both ends of a channel between processes hold: the channel's mapped header, ring (an Rbufs channel's control
 * area) and table slot, its sizes,
 * and the end's own state (closed, or broken by a peer that wrote what no correct peer writes). One thread uses an
 * end.
 */
abstract class ProcessChannelEnd implements AutoCloseable
{
    final MachineClient client;
    final int channelId;
    final AtomicBuffer header;
    final AtomicBuffer ring;
    final AtomicBuffer channelTable;
    final int slot;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    /** Why the peer broke the channel, or null. */
    String broken;
    boolean closed;
    private final int end;
    private final String role;

    ProcessChannelEnd(final MachineClient client, final ChannelEntry channel, final AtomicBuffer header,
        final AtomicBuffer ring, final AtomicBuffer channelTable, final int slot, final int end, final String role)
    {
        this.client = client;
        this.channelId = channel.channelId;
        this.header = header;
        this.ring = ring;
        this.channelTable = channelTable;
        this.slot = slot;
        this.capacity = channel.capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = channel.maxMessageLength;
        this.end = end;
        this.role = role;
    }

    /**
     * @return the channel's id.
     */
    public int channelId()
    {
        return channelId;
    }

    /**
     * @throws IllegalStateException  if this end is closed.
     * @throws ChannelBrokenException if the peer broke the channel before.
     */
    final void checkOpenAndWhole()
    {
        if (closed)
        {
            throw new IllegalStateException("channel " + channelId + ": the " + role + " is closed");
        }
        if (broken != null)
        {
            throw new ChannelBrokenException(broken);
        }
    }

    /**
     * Breaks this end for good: the peer wrote what no correct peer writes.
     *
     * @param what the broken rule, with values.
     * @return the exception to throw now (every later call throws one too).
     */
    final ChannelBrokenException breaks(final String what)
    {
        broken = "channel " + channelId + ": " + what;
        return new ChannelBrokenException(broken);
    }

    /**
     * Closes this end: the kernel marks it closed in the channel table, and the peer hears {@link PeerGoneException}
     * once it has taken what it can. Idempotent; never throws for a kernel that is gone.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            client.closeEnd(channelId, end);
        }
    }
}
