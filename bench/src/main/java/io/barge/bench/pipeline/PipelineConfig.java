package io.barge.bench.pipeline;

import io.barge.core.transport.ChannelConfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link Pipeline} run does: which transport, how many domains, how many messages of what size. Immutable;
 * make one with {@link #builder()}.
 */
public final class PipelineConfig
{
    /** Default transport: the copy baseline. */
    public static final String DEFAULT_TRANSPORT = "copy";
    /** Default domains: source, one forwarder, sink. */
    public static final int DEFAULT_DOMAINS = 3;
    /** Default message count: a run of a few seconds at the default size. */
    public static final long DEFAULT_MESSAGES = 100_000;
    /** Default message size: 64 KiB. */
    public static final int DEFAULT_SIZE = 64 * 1024;
    /** Default stage threads: this machine has 2 vCPUs. */
    public static final int DEFAULT_THREADS = 2;
    /** Default physical memory: 256 MiB. */
    public static final int DEFAULT_MEMORY_MIB = 256;
    /** Default limit on a run before it is reported incomplete. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 120;

    private final String transport;
    private final Map<String, String> options;
    private final int domains;
    private final long messages;
    private final long warmup;
    private final int size;
    private final int capacity;
    private final ChannelConfig.Notification notification;
    private final boolean touch;
    private final boolean fill;
    private final int threads;
    private final int memoryMiB;
    private final long timeoutSeconds;

    private PipelineConfig(final Builder b)
    {
        this.transport = b.transport;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
        this.domains = b.domains;
        this.messages = b.messages;
        this.warmup = b.warmup >= 0 ? b.warmup : b.messages / 10;
        this.size = b.size;
        this.capacity = b.capacity;
        this.notification = b.notification;
        this.touch = b.touch;
        this.fill = b.fill;
        this.threads = Math.min(b.threads, b.domains);
        this.memoryMiB = b.memoryMiB;
        this.timeoutSeconds = b.timeoutSeconds;
        check();
    }

    private void check()
    {
        if (transport == null || transport.isEmpty())
        {
            throw new IllegalArgumentException("transport must be named");
        }
        if (domains < 2)
        {
            throw new IllegalArgumentException("domains=" + domains + " must be at least 2 (source and sink)");
        }
        if (messages < 1)
        {
            throw new IllegalArgumentException("messages=" + messages + " must be at least 1");
        }
        if (warmup >= messages)
        {
            throw new IllegalArgumentException("warmup=" + warmup + " must be less than messages=" + messages);
        }
        PipelineMessageDescriptor.checkMessageLength(size);
        if (size > ChannelConfig.MAX_MESSAGE_LENGTH_LIMIT)
        {
            throw new IllegalArgumentException("size=" + size + " exceeds " + ChannelConfig.MAX_MESSAGE_LENGTH_LIMIT);
        }
        if (threads < 1)
        {
            throw new IllegalArgumentException("threads=" + threads + " must be at least 1");
        }
        if (memoryMiB < 1 || memoryMiB > 2047)
        {
            throw new IllegalArgumentException("memoryMiB=" + memoryMiB + " must be in [1, 2047]");
        }
        if (timeoutSeconds < 1)
        {
            throw new IllegalArgumentException("timeoutSeconds=" + timeoutSeconds + " must be at least 1");
        }
        channelConfig(); // capacity and notification checks
    }

    /**
     * @return a builder holding the defaults.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return the defaults.
     */
    public static PipelineConfig defaults()
    {
        return builder().build();
    }

    /**
     * @return the channel configuration every hop uses.
     */
    public ChannelConfig channelConfig()
    {
        return new ChannelConfig(size, capacity, notification);
    }

    /**
     * @return transport name.
     */
    public String transport()
    {
        return transport;
    }

    /**
     * @return transport options as the user wrote them.
     */
    public Map<String, String> options()
    {
        return options;
    }

    /**
     * @return domains on the path, source and sink included.
     */
    public int domains()
    {
        return domains;
    }

    /**
     * @return messages sent, warm-up included.
     */
    public long messages()
    {
        return messages;
    }

    /**
     * @return leading messages left out of the throughput and latency figures.
     */
    public long warmup()
    {
        return warmup;
    }

    /**
     * @return message size in bytes.
     */
    public int size()
    {
        return size;
    }

    /**
     * @return messages in flight per hop.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return how the ends of each hop signal each other.
     */
    public ChannelConfig.Notification notification()
    {
        return notification;
    }

    /**
     * @return whether the sink reads every byte.
     */
    public boolean touch()
    {
        return touch;
    }

    /**
     * @return whether the source writes every byte.
     */
    public boolean fill()
    {
        return fill;
    }

    /**
     * @return threads the stages run on.
     */
    public int threads()
    {
        return threads;
    }

    /**
     * @return physical memory size in MiB.
     */
    public int memoryMiB()
    {
        return memoryMiB;
    }

    /**
     * @return seconds a run may take before it is reported incomplete.
     */
    public long timeoutSeconds()
    {
        return timeoutSeconds;
    }

    @Override
    public String toString()
    {
        return "transport=" + transport + (options.isEmpty() ? "" : options) + " domains=" + domains +
            " messages=" + messages + " warmup=" + warmup + " size=" + size + " capacity=" + capacity +
            " notify=" + notification.name().toLowerCase(java.util.Locale.ROOT) + " touch=" + touch + " fill=" +
            fill + " threads=" + threads;
    }

    /**
     * Collects settings; {@link #build()} checks them.
     */
    public static final class Builder
    {
        private String transport = DEFAULT_TRANSPORT;
        private final Map<String, String> options = new LinkedHashMap<>();
        private int domains = DEFAULT_DOMAINS;
        private long messages = DEFAULT_MESSAGES;
        private long warmup = -1;
        private int size = DEFAULT_SIZE;
        private int capacity = ChannelConfig.DEFAULT_CAPACITY;
        private ChannelConfig.Notification notification = ChannelConfig.Notification.UMP;
        private boolean touch;
        private boolean fill;
        private int threads = DEFAULT_THREADS;
        private int memoryMiB = DEFAULT_MEMORY_MIB;
        private long timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;

        private Builder()
        {
        }

        /**
         * @param value transport name.
         * @return this.
         */
        public Builder transport(final String value)
        {
            transport = value;
            return this;
        }

        /**
         * @param key   option name.
         * @param value option value.
         * @return this.
         */
        public Builder option(final String key, final String value)
        {
            options.put(key, value);
            return this;
        }

        /**
         * @param values option names to values, added to those already set.
         * @return this.
         */
        public Builder options(final Map<String, String> values)
        {
            options.putAll(values);
            return this;
        }

        /**
         * @param value domains on the path, at least 2.
         * @return this.
         */
        public Builder domains(final int value)
        {
            domains = value;
            return this;
        }

        /**
         * @param value messages to send, warm-up included.
         * @return this.
         */
        public Builder messages(final long value)
        {
            messages = value;
            return this;
        }

        /**
         * @param value leading messages left out of the figures; negative means a tenth of the messages.
         * @return this.
         */
        public Builder warmup(final long value)
        {
            warmup = value;
            return this;
        }

        /**
         * @param value message size, at least {@link PipelineMessageDescriptor#HEADER_LENGTH}.
         * @return this.
         */
        public Builder size(final int value)
        {
            size = value;
            return this;
        }

        /**
         * @param value messages in flight per hop, a power of two.
         * @return this.
         */
        public Builder capacity(final int value)
        {
            capacity = value;
            return this;
        }

        /**
         * @param value notification mechanism.
         * @return this.
         */
        public Builder notification(final ChannelConfig.Notification value)
        {
            notification = value;
            return this;
        }

        /**
         * @param value whether the sink reads every byte.
         * @return this.
         */
        public Builder touch(final boolean value)
        {
            touch = value;
            return this;
        }

        /**
         * @param value whether the source writes every byte.
         * @return this.
         */
        public Builder fill(final boolean value)
        {
            fill = value;
            return this;
        }

        /**
         * @param value stage threads; more than the domains is capped.
         * @return this.
         */
        public Builder threads(final int value)
        {
            threads = value;
            return this;
        }

        /**
         * @param value physical memory in MiB.
         * @return this.
         */
        public Builder memoryMiB(final int value)
        {
            memoryMiB = value;
            return this;
        }

        /**
         * @param value seconds before the run is reported incomplete.
         * @return this.
         */
        public Builder timeoutSeconds(final long value)
        {
            timeoutSeconds = value;
            return this;
        }

        /**
         * @return the checked configuration.
         * @throws IllegalArgumentException if a value is out of range.
         */
        public PipelineConfig build()
        {
            return new PipelineConfig(this);
        }
    }
}
