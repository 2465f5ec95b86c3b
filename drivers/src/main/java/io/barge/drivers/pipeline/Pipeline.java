package io.barge.drivers.pipeline;

import io.barge.core.Kernel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.MessageHandler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A streaming pipeline: a chain of protection domains (a source, middle stages, a sink) joined by a transport per
 * hop, each domain an Agrona {@link org.agrona.concurrent.Agent}. Built once, run as often as wanted; each
 * {@link #run()} creates the domains, the transports and the channels, streams, and tears everything down.
 * <pre>{@code
 * PipelineResult result = Pipeline.builder(kernel)
 *     .source(100_000, 64 * 1024, MessageWriter.HEADER_ONLY)
 *     .stage("protocol", StageHandler.FORWARD)
 *     .stage("app", (message, out) -> out.forward(message))
 *     .sink("sink", message -> { })
 *     .transport(TransportSpec.of("fbufs"))        // every hop ...
 *     .hop(2, TransportSpec.of("rbufs"))           // ... but the last
 *     .threads(2)
 *     .build()
 *     .run();
 * }</pre>
 * <b>Hops.</b> Hop {@code i} joins domain {@code i} to domain {@code i + 1}. Consecutive hops with equal
 * {@link TransportSpec}s share one transport opened with {@code Transport.openPath}, so a transport that sets
 * buffers up along an I/O path (fbufs) does so for the whole run of hops, and a stage between them forwards
 * without copying; a stage between two different transports copies once into a claim of the next one
 * ({@link Outlet#forward}).
 * <p>
 * <b>Threads.</b> The agents are spread in path order over {@link Builder#threads(int)} threads: as many threads
 * as domains puts each stage on its own {@link org.agrona.concurrent.AgentRunner}; fewer compose neighbours on one
 * thread, which runs them downstream and back up each duty cycle (source to sink, then the middle stages in reverse),
 * so that buffers a transport returns hop by hop (an Rbufs path) reach the top of the thread in the same cycle as
 * the messages reached its bottom. An even split in path order suits stages of equal cost; where they differ (a sink
 * that reads every byte, stages that only forward) {@link Builder#placement(int...)} names each domain's thread.
 * <p>
 * <b>End and errors.</b> The source finishes its hop after the last message; each stage passes
 * {@link io.barge.core.transport.Status#END_OF_STREAM} on; the run completes when it reaches the sink. A stage that
 * throws stops every stage; the run then tears down (every frame goes back) and throws
 * {@link PipelineFailedException}. A run that passes its timeout returns a result marked incomplete.
 */
public final class Pipeline
{
    /** Default limit on a run before it is reported incomplete. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 120;

    final Kernel kernel;
    final long messages;
    final int length;
    final MessageWriter writer;
    final List<String> stageNames;
    final List<StageHandler> handlers;
    final String sinkName;
    final MessageHandler consumer;
    final TransportSpec[] hops;
    final ChannelConfig channelConfig;
    final int threads;
    /** The thread of each domain in path order, or null: spread evenly in path order. */
    final int[] placement;
    final long warmup;
    final long timeoutNanos;
    private volatile PipelineRun current;

    private Pipeline(final Builder b, final TransportSpec[] hops)
    {
        this.kernel = b.kernel;
        this.messages = b.messages;
        this.length = b.length;
        this.writer = b.writer;
        this.stageNames = Collections.unmodifiableList(new ArrayList<>(b.stageNames));
        this.handlers = Collections.unmodifiableList(new ArrayList<>(b.handlers));
        this.sinkName = b.sinkName;
        this.consumer = b.consumer;
        this.hops = hops;
        this.channelConfig = b.channelConfig != null ? b.channelConfig :
            ChannelConfig.defaults().withMaxMessageLength(Math.max(b.length, ChannelConfig.DEFAULT_MAX_MESSAGE_LENGTH));
        this.placement = b.placement == null ? null : b.placement.clone();
        this.threads = b.placement != null ? threadsOf(b.placement) : b.threads > 0 ? b.threads : hops.length + 1;
        this.warmup = b.warmup;
        this.timeoutNanos = b.timeoutNanos;
    }

    /**
     * @param kernel the machine the domains live on.
     * @return a builder.
     */
    public static Builder builder(final Kernel kernel)
    {
        return new Builder(kernel);
    }

    /**
     * Streams once: creates the domains, transports and channels, runs every stage until the sink has the end of
     * the stream (or the timeout passes), then closes the channels and transports and destroys the domains.
     * One run at a time.
     *
     * @return the figures.
     * @throws PipelineFailedException              if a stage threw (the cause), after everything was torn down.
     * @throws io.barge.core.OutOfFramesException   if the machine is too small for the channels.
     * @throws IllegalStateException                if another run of this pipeline is going on.
     */
    public PipelineResult run()
    {
        final PipelineRun run = new PipelineRun(this);
        synchronized (this)
        {
            if (current != null)
            {
                throw new IllegalStateException("pipeline is already running");
            }
            current = run;
        }
        try
        {
            return run.execute();
        }
        finally
        {
            current = null;
        }
    }

    /**
     * @return how often the running source found the first hop full so far (0 between runs); for monitors and
     *         tests of back pressure, from any thread.
     */
    public long sourceBackPressures()
    {
        final PipelineRun run = current;
        return run == null ? 0 : run.sourceBackPressures();
    }

    /**
     * @return hops in path order (domains minus one).
     */
    public int hopCount()
    {
        return hops.length;
    }

    /**
     * @param hop a hop index.
     * @return its transport.
     */
    public TransportSpec hop(final int hop)
    {
        return hops[hop];
    }

    /**
     * @return the channel configuration of every hop.
     */
    public ChannelConfig channelConfig()
    {
        return channelConfig;
    }

    /**
     * @return messages per run.
     */
    public long messages()
    {
        return messages;
    }

    /**
     * @return message length the source sends.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return leading messages left out of the measurement.
     */
    public long warmup()
    {
        return warmup;
    }

    /**
     * @return threads the agents are spread over.
     */
    public int threads()
    {
        return threads;
    }

    @Override
    public String toString()
    {
        return "source -> " + String.join(" -> ", stageNames) + (stageNames.isEmpty() ? "" : " -> ") + sinkName +
            " over " + Arrays.toString(hops) + ", " + messages + " x " + length + " B, " + threads + " threads";
    }

    private static int threadsOf(final int[] placement)
    {
        int max = -1;
        for (final int thread : placement)
        {
            max = Math.max(max, thread);
        }
        return max + 1;
    }

    /**
     * @return the thread index of each domain in path order, or null when they are spread evenly in path order.
     */
    public int[] placement()
    {
        return placement == null ? null : placement.clone();
    }

    /**
     * Describes a pipeline; {@link #build()} checks it. A source, a sink and a transport are required.
     */
    public static final class Builder
    {
        private final Kernel kernel;
        private long messages;
        private int length;
        private MessageWriter writer;
        private final List<String> stageNames = new ArrayList<>();
        private final List<StageHandler> handlers = new ArrayList<>();
        private String sinkName;
        private MessageHandler consumer;
        private TransportSpec transport;
        private final Map<Integer, TransportSpec> hopTransports = new TreeMap<>();
        private ChannelConfig channelConfig;
        private int threads;
        private int[] placement;
        private long warmup;
        private long timeoutNanos = TimeUnit.SECONDS.toNanos(DEFAULT_TIMEOUT_SECONDS);

        private Builder(final Kernel kernel)
        {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
        }

        /**
         * @param messages how many messages the source sends, at least 1.
         * @param length   their length, at least {@link PipelineMessageDescriptor#HEADER_LENGTH}.
         * @param writer   fills each payload; {@link MessageWriter#HEADER_ONLY} for none.
         * @return this builder.
         */
        public Builder source(final long messages, final int length, final MessageWriter writer)
        {
            this.messages = messages;
            this.length = length;
            this.writer = Objects.requireNonNull(writer, "writer");
            return this;
        }

        /**
         * Appends a middle stage: a domain of that name whose handler sees every message.
         *
         * @param name    the stage's domain name.
         * @param handler forwards, transforms or consumes each message.
         * @return this builder.
         */
        public Builder stage(final String name, final StageHandler handler)
        {
            stageNames.add(Objects.requireNonNull(name, "name"));
            handlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * @param name     the sink's domain name.
         * @param consumer told of each message after the pipeline read its header; released afterwards.
         * @return this builder.
         */
        public Builder sink(final String name, final MessageHandler consumer)
        {
            this.sinkName = Objects.requireNonNull(name, "name");
            this.consumer = Objects.requireNonNull(consumer, "consumer");
            return this;
        }

        /**
         * @param spec the transport of every hop that {@link #hop} does not name.
         * @return this builder.
         */
        public Builder transport(final TransportSpec spec)
        {
            this.transport = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /**
         * @param hop  a hop index, 0 (source to first stage) to the number of stages (last stage to sink).
         * @param spec its transport.
         * @return this builder.
         */
        public Builder hop(final int hop, final TransportSpec spec)
        {
            hopTransports.put(hop, Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /**
         * @param config sizes and notification of every hop (default: the defaults, large enough for the source's
         *               messages).
         * @return this builder.
         */
        public Builder channelConfig(final ChannelConfig config)
        {
            this.channelConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * @param threads threads the agents are spread over in path order, 1 to the number of domains (default:
         *                one per domain).
         * @return this builder.
         */
        public Builder threads(final int threads)
        {
            this.threads = threads;
            return this;
        }

        /**
         * Puts each domain on a thread of its own choosing instead of spreading them evenly in path order; the
         * domains of one thread run on it in path order, downstream and back, as with {@link #threads(int)}.
         *
         * @param threadOfDomain a thread index per domain in path order (source, stages, sink), the indices
         *                       {@code 0..k-1} each used at least once; then the pipeline has {@code k} threads.
         * @return this builder.
         */
        public Builder placement(final int... threadOfDomain)
        {
            this.placement = threadOfDomain.clone();
            return this;
        }

        /**
         * @param warmup leading messages left out of throughput, latency and counters (default 0).
         * @return this builder.
         */
        public Builder warmup(final long warmup)
        {
            this.warmup = warmup;
            return this;
        }

        /**
         * @param timeout longest run before it is reported incomplete (default
         *                {@value #DEFAULT_TIMEOUT_SECONDS} s).
         * @param unit    its unit.
         * @return this builder.
         */
        public Builder timeout(final long timeout, final TimeUnit unit)
        {
            this.timeoutNanos = unit.toNanos(timeout);
            return this;
        }

        /**
         * @return the pipeline.
         * @throws IllegalArgumentException if a part is missing or a value breaks a rule (the message says which).
         */
        public Pipeline build()
        {
            checkBuild();
            return new Pipeline(this, hopSpecs());
        }

        private void checkBuild()
        {
            if (writer == null || consumer == null)
            {
                throw new IllegalArgumentException("a pipeline needs a source and a sink");
            }
            if (messages < 1)
            {
                throw new IllegalArgumentException("messages=" + messages + " must be at least 1");
            }
            PipelineMessageDescriptor.checkMessageLength(length);
            if (channelConfig != null && length > channelConfig.maxMessageLength())
            {
                throw new IllegalArgumentException("length=" + length + " exceeds the hops' maxMessageLength=" +
                    channelConfig.maxMessageLength());
            }
            if (warmup < 0 || warmup >= messages)
            {
                throw new IllegalArgumentException("warmup=" + warmup + " must be in [0, messages=" + messages + ")");
            }
            final int domains = stageNames.size() + 2;
            if (threads < 0 || threads > domains)
            {
                throw new IllegalArgumentException("threads=" + threads + " must be in [1, domains=" + domains + "]");
            }
            if (timeoutNanos <= 0)
            {
                throw new IllegalArgumentException("timeout=" + timeoutNanos + " ns must be positive");
            }
            if (placement != null)
            {
                checkPlacement(domains);
            }
        }

        private void checkPlacement(final int domains)
        {
            if (placement.length != domains)
            {
                throw new IllegalArgumentException("placement names " + placement.length + " threads, one per domain " +
                    "is needed: domains=" + domains);
            }
            final int k = threadsOf(placement);
            final boolean[] used = new boolean[k];
            for (final int thread : placement)
            {
                if (thread < 0)
                {
                    throw new IllegalArgumentException("placement " + Arrays.toString(placement) +
                        ": thread indices start at 0");
                }
                used[thread] = true;
            }
            for (int t = 0; t < k; t++)
            {
                if (!used[t])
                {
                    throw new IllegalArgumentException("placement " + Arrays.toString(placement) + ": thread " + t +
                        " has no domain (use the indices 0.." + (k - 1) + " each at least once)");
                }
            }
            if (threads != 0 && threads != k)
            {
                throw new IllegalArgumentException("placement " + Arrays.toString(placement) + " uses " + k +
                    " threads, threads=" + threads);
            }
        }

        private TransportSpec[] hopSpecs()
        {
            final TransportSpec[] specs = new TransportSpec[stageNames.size() + 1];
            for (final Map.Entry<Integer, TransportSpec> entry : hopTransports.entrySet())
            {
                final int hop = entry.getKey();
                if (hop < 0 || hop >= specs.length)
                {
                    throw new IllegalArgumentException("hop=" + hop + " is not in [0, hops=" + specs.length + ")");
                }
                specs[hop] = entry.getValue();
            }
            for (int i = 0; i < specs.length; i++)
            {
                if (specs[i] == null)
                {
                    if (transport == null)
                    {
                        throw new IllegalArgumentException("hop " + i + " has no transport: call transport(spec)");
                    }
                    specs[i] = transport;
                }
            }
            return specs;
        }
    }
}
