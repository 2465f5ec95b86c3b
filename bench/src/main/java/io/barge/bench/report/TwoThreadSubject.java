package io.barge.bench.report;

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
    private final Spinning spinning = new Spinning();
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
