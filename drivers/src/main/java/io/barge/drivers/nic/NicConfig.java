package io.barge.drivers.nic;

import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * The device's settings: interrupt coalescing, work per pass, its clock. Fluent; checked when set.
 * <p>
 * Coalescing: the device raises its line when completions since the last raise reach {@link #irqCountThreshold}, or
 * when the oldest of them is {@link #irqTimeThresholdNanos} old, whichever comes first. A count threshold above one
 * needs a time threshold, so that a quiet link cannot strand a few completions without an interrupt.
 */
public final class NicConfig
{
    /** Time threshold meaning "none". */
    public static final long NO_TIME_THRESHOLD = Long.MAX_VALUE;

    private int irqCountThreshold = 1;
    private long irqTimeThresholdNanos = NO_TIME_THRESHOLD;
    private int budget = 64;
    private int irqLine = 11;
    private NanoClock clock = SystemNanoClock.INSTANCE;

    /**
     * @param count  completions that raise the line at once, at least 1.
     * @param nanos  age of the oldest unsignalled completion that raises the line, at least 0, or
     *               {@link #NO_TIME_THRESHOLD} (only with a count of 1).
     * @return this.
     */
    public NicConfig coalescing(final int count, final long nanos)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("irq count threshold=" + count + " is below 1");
        }
        if (nanos < 0)
        {
            throw new IllegalArgumentException("irq time threshold=" + nanos + " is negative");
        }
        if (count > 1 && nanos == NO_TIME_THRESHOLD)
        {
            throw new IllegalArgumentException("irq count threshold=" + count + " needs a time threshold");
        }
        this.irqCountThreshold = count;
        this.irqTimeThresholdNanos = nanos;
        return this;
    }

    /**
     * @param budget most TX descriptors and most RX frames handled per {@code doWork}, at least 1.
     * @return this.
     */
    public NicConfig budget(final int budget)
    {
        if (budget < 1)
        {
            throw new IllegalArgumentException("budget=" + budget + " is below 1");
        }
        this.budget = budget;
        return this;
    }

    /**
     * @param line the interrupt line number carried in interrupt messages.
     * @return this.
     */
    public NicConfig irqLine(final int line)
    {
        this.irqLine = line;
        return this;
    }

    /**
     * @param clock time for the coalescing timer (a manual clock in tests).
     * @return this.
     */
    public NicConfig clock(final NanoClock clock)
    {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * @return completions that raise the line.
     */
    public int irqCountThreshold()
    {
        return irqCountThreshold;
    }

    /**
     * @return age that raises the line, or {@link #NO_TIME_THRESHOLD}.
     */
    public long irqTimeThresholdNanos()
    {
        return irqTimeThresholdNanos;
    }

    /**
     * @return work per pass.
     */
    public int budget()
    {
        return budget;
    }

    /**
     * @return the line number.
     */
    public int irqLine()
    {
        return irqLine;
    }

    /**
     * @return the clock.
     */
    public NanoClock clock()
    {
        return clock;
    }
}
