package io.barge.core;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * A channel's own counters in the kernel's off-heap counters (so {@code barge stat} shows them per channel beside
 * the domains'): messages and bytes its sender sent, messages its receiver took. A transport makes one per channel
 * with {@link SystemCounters#newChannel} and closes it with the channel.
 * <p>
 * Each counter has one writer, so it is bumped with a release store rather than an atomic add (no locked
 * instruction on the data path): {@link #sent} only from the sending end's thread, {@link #received} only from the
 * receiving end's. A reader in another process sees each value whole (aligned 64-bit stores).
 * <p>
 * The type ids are stable and outside {@link CounterType}'s range (these are not per-domain counts): the key
 * ({@link CounterKeyDescriptor#KIND_CHANNEL}) holds the channel id, the sending domain, the receiving domain
 * (peer) and the channel's name.
 */
public final class ChannelCounters implements AutoCloseable
{
    /** Type id of a channel's messages sent. */
    public static final int MESSAGES_SENT_TYPE_ID = 2001;
    /** Type id of a channel's bytes sent. */
    public static final int BYTES_SENT_TYPE_ID = 2002;
    /** Type id of a channel's messages received. */
    public static final int MESSAGES_RECEIVED_TYPE_ID = 2003;

    private final int channelId;
    private final AtomicCounter messagesSent;
    private final AtomicCounter bytesSent;
    private final AtomicCounter messagesReceived;

    ChannelCounters(final int channelId, final AtomicCounter messagesSent, final AtomicCounter bytesSent,
        final AtomicCounter messagesReceived)
    {
        this.channelId = channelId;
        this.messagesSent = messagesSent;
        this.bytesSent = bytesSent;
        this.messagesReceived = messagesReceived;
    }

    /**
     * @return the channel's id, unique in its kernel.
     */
    public int channelId()
    {
        return channelId;
    }

    /**
     * Counts a message sent; from the sending end's thread only.
     *
     * @param length its bytes.
     */
    public void sent(final int length)
    {
        // Release: one writer; a reader that sees the count sees the bytes counted before it.
        bytesSent.getAndAddRelease(length);
        messagesSent.incrementRelease();
    }

    /**
     * Counts a message received; from the receiving end's thread only.
     */
    public void received()
    {
        messagesReceived.incrementRelease();
    }

    /**
     * @return messages sent so far.
     */
    public long messagesSent()
    {
        return messagesSent.get();
    }

    /**
     * @return bytes sent so far.
     */
    public long bytesSent()
    {
        return bytesSent.get();
    }

    /**
     * @return messages received so far.
     */
    public long messagesReceived()
    {
        return messagesReceived.get();
    }

    /**
     * Frees the counters (their slots may be reused by later channels). Idempotent.
     */
    @Override
    public void close()
    {
        messagesSent.close();
        bytesSent.close();
        messagesReceived.close();
    }
}
