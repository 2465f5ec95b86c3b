package io.barge.core.transport;

/**
 * Sizes and notification choice for a channel. Immutable; build with the {@code with...} methods.
 */
public final class ChannelConfig
{
    /** How a channel signals the other end. */
    public enum Notification
    {
        /** User-level message passing over a shared ring of cache-line slots: the peer polls. */
        UMP,
        /** Kernel-mediated messages into the receiver's endpoint buffer. */
        LMP
    }

    /** Default largest message: 64 KiB. */
    public static final int DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024;
    /** Default capacity: 64 messages committed and not yet released. */
    public static final int DEFAULT_CAPACITY = 64;
    /** Largest message any transport must accept: 1 MiB. */
    public static final int MAX_MESSAGE_LENGTH_LIMIT = 1 << 20;

    private final int maxMessageLength;
    private final int capacity;
    private final Notification notification;

    /**
     * @param maxMessageLength largest message, 1..1 MiB.
     * @param capacity         most messages committed and not yet released, a power of two in [2, 4096] (see
     *                         {@link #capacity()}).
     * @param notification     how the ends signal each other.
     */
    public ChannelConfig(final int maxMessageLength, final int capacity, final Notification notification)
    {
        if (maxMessageLength < 1 || maxMessageLength > MAX_MESSAGE_LENGTH_LIMIT)
        {
            throw new IllegalArgumentException("maxMessageLength=" + maxMessageLength + " must be in [1, " +
                MAX_MESSAGE_LENGTH_LIMIT + "]");
        }
        if (capacity < 2 || capacity > 4096 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be a power of two in [2, 4096]");
        }
        if (notification == null)
        {
            throw new IllegalArgumentException("notification must not be null");
        }
        this.maxMessageLength = maxMessageLength;
        this.capacity = capacity;
        this.notification = notification;
    }

    /**
     * @return 64 KiB messages, 64 in flight, UMP.
     */
    public static ChannelConfig defaults()
    {
        return new ChannelConfig(DEFAULT_MAX_MESSAGE_LENGTH, DEFAULT_CAPACITY, Notification.UMP);
    }

    /**
     * @return largest message in bytes.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * The one meaning of capacity on every transport: the most messages committed and not yet released by the
     * receiver, those in flight and those the receiver holds together (an active claim counts as committed). With
     * nothing released exactly {@code capacity} {@code tryClaim} + {@code commit} succeed and the next claim is
     * {@link Status#BACK_PRESSURED}; the receiver may poll and hold all {@code capacity} at once.
     *
     * @return most messages committed and not yet released.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return how the ends signal each other.
     */
    public Notification notification()
    {
        return notification;
    }

    /**
     * @param value largest message.
     * @return a copy with it.
     */
    public ChannelConfig withMaxMessageLength(final int value)
    {
        return new ChannelConfig(value, capacity, notification);
    }

    /**
     * @param value most messages committed and not yet released.
     * @return a copy with it.
     */
    public ChannelConfig withCapacity(final int value)
    {
        return new ChannelConfig(maxMessageLength, value, notification);
    }

    /**
     * @param value notification mechanism.
     * @return a copy with it.
     */
    public ChannelConfig withNotification(final Notification value)
    {
        return new ChannelConfig(maxMessageLength, capacity, value);
    }

    @Override
    public String toString()
    {
        return "ChannelConfig{maxMessageLength=" + maxMessageLength + ", capacity=" + capacity +
            ", notification=" + notification + "}";
    }
}
