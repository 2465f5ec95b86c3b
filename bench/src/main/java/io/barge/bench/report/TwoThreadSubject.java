package io.barge.bench.report;

import io.barge.bench.core.PayloadHandler;
import io.barge.core.Touch;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Something measured with two threads: the calling thread produces, a consumer {@link Agent} on its own thread
 * consumes. The consumer runs only during a window ({@link #start()} to {@link #stop()}), so it does not disturb
 * the placement probes between windows.
 */
abstract class TwoThreadSubject implements AutoCloseable
{
    /** Messages the consumer has taken; written by the consumer thread only. */
    protected final AtomicLong consumed = new AtomicLong();
    /** Messages the producer has handed over; producer thread only. */
    protected long produced;
    /** Every this many messages carries a send timestamp for the latency histogram. */
    protected static final int STAMP_EVERY = 16;
    /** The consumer's work on a message's bytes for subjects that hand over a buffer: {@link #touch}. */
    protected final PayloadHandler touching = this::touch;
    private final Spinning spinning = new Spinning();
    private final Histogram histogram = Counting.newHistogram();
    private volatile boolean recording;
    // Consumer thread only; read after stop().
    private long bytesTouched;
    private long checksum;
    private long latencySamples;
    private AgentRunner runner;
    private Thread consumerThread;

    /**
     * @return the consumer for one window.
     */
    protected abstract Agent newConsumer();

    /**
     * Produces messages, retrying while back pressured.
     *
     * @param count messages.
     * @return a value derived from the work.
     */
    abstract long produce(int count);

    /**
     * @return message bytes.
     */
    abstract int messageBytes();

    /**
     * The consumer's work for one message, the same for every subject so that a ratio between two of them compares
     * the transports, not the consumers: account for the bytes the caller touched with the shared routine, and
     * record the one-way latency of a stamped message while recording.
     *
     * @param stamp   the message's first word: its send time, or 0.
     * @param sum     what {@link Touch#sumLongs} (or a transport's touch, which uses it) returned for the message.
     * @param touched bytes the caller has just read with {@link io.barge.core.Touch}.
     */
    protected final void consumed(final long stamp, final long sum, final int touched)
    {
        bytesTouched += touched;
        // Less the stamp, the sum depends on the message's other bytes only: a test can check it.
        checksum += sum - stamp;
        if (stamp != 0 && recording)
        {
            histogram.recordValue(Math.max(0, System.nanoTime() - stamp));
            latencySamples++;
        }
        consumed.lazySet(consumed.get() + 1);
    }

    /**
     * The consumer's work on a message handed over in a buffer: read the stamp word, touch every byte with the
     * shared routine, then {@link #consumed}.
     *
     * @param buffer the message's memory.
     * @param offset its first byte.
     * @param length its length.
     */
    protected final void touch(final DirectBuffer buffer, final int offset, final int length)
    {
        final long stamp = buffer.getLong(offset);
        consumed(stamp, Touch.sumLongs(buffer, offset, length), length);
    }

    /**
     * @param producedCount the producer's running count after the message.
     * @return the stamp to put in the message's first word: the time every {@link #STAMP_EVERY}th, else 0.
     */
    protected static long stamp(final long producedCount)
    {
        return producedCount % STAMP_EVERY == 0 ? System.nanoTime() : 0L;
    }

    /**
     * @param on whether the consumer records latencies.
     */
    void recording(final boolean on)
    {
        recording = on;
    }

    /**
     * @return latencies recorded so far (read after {@link #stop()}).
     */
    Histogram histogram()
    {
        return histogram;
    }

    /**
     * @return bytes the consumer touched so far (read after {@link #stop()}).
     */
    long bytesTouched()
    {
        return bytesTouched;
    }

    /**
     * @return the sum of every message's touched words less its first word (read after {@link #stop()}).
     */
    long checksum()
    {
        return checksum;
    }

    /**
     * @return latencies recorded so far (read after {@link #stop()}).
     */
    long latencySamples()
    {
        return latencySamples;
    }

    /**
     * Starts the consumer thread.
     */
    void start()
    {
        runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, newConsumer());
        consumerThread = AgentRunner.startOnThread(runner);
    }

    /**
     * @return the consumer's thread while a window runs, else null.
     */
    Thread consumerThread()
    {
        return consumerThread;
    }

    /**
     * Waits until the consumer has taken everything produced, then stops its thread.
     */
    void stop()
    {
        spinning.reset();
        while (consumed.get() < produced)
        {
            if (runner.isClosed())
            {
                throw new IllegalStateException("consumer stopped with " + (produced - consumed.get()) + " unread");
            }
            spinning.spin("consumer to drain " + (produced - consumed.get()) + " messages");
        }
        runner.close();
        runner = null;
        consumerThread = null;
        Blackhole.consume(checksum);
    }

    /**
     * @param what the awaited condition, for the error.
     */
    protected void spin(final String what)
    {
        spinning.spin(what);
    }

    /**
     * Starts a new wait for {@link #spin(String)}.
     */
    protected void resetSpin()
    {
        spinning.reset();
    }

    @Override
    public void close()
    {
        if (runner != null)
        {
            runner.close();
            runner = null;
        }
    }
}
