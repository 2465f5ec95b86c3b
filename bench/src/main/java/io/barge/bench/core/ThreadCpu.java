package io.barge.bench.core;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The calling thread's CPU time, to tell whether a two-thread window really ran on two CPUs: on a shared 2-vCPU
 * machine a thread may be descheduled for part of a window, and then the window measures the scheduler.
 */
public final class ThreadCpu
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean SUPPORTED = THREADS.isCurrentThreadCpuTimeSupported();
    /** Below this much wall time a share says little (the CPU clock itself is nanosecond-precise on Linux). */
    private static final long MIN_WALL_NANOS = 1_000_000L;

    private ThreadCpu()
    {
    }

    /**
     * @return the calling thread's CPU time in nanoseconds, or 0 if unsupported.
     */
    public static long now()
    {
        return SUPPORTED ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    /**
     * @param thread a live thread.
     * @return its CPU time in nanoseconds, or 0 if unsupported or it has ended.
     */
    public static long of(final Thread thread)
    {
        if (!SUPPORTED || !THREADS.isThreadCpuTimeSupported())
        {
            return 0;
        }
        return Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
    }

    /**
     * @param cpuNanos  CPU time over an interval.
     * @param wallNanos the interval's wall time.
     * @return the share of the interval the thread was on a CPU, capped at 1; 1 if unknown or too short to tell.
     */
    public static double share(final long cpuNanos, final long wallNanos)
    {
        if (!SUPPORTED || wallNanos < MIN_WALL_NANOS)
        {
            return 1.0;
        }
        return Math.min(1.0, (double)cpuNanos / wallNanos);
    }
}
