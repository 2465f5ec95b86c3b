package io.barge.fbufs;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Finds reference-counted objects (aggregates, Netty views) that became garbage while still holding fbufs, after
 * Netty's {@code ResourceLeakDetector}: a tracked object gets a weak reference; closing the tracker when the object
 * lets go of its fbufs removes it; a tracker the garbage collector enqueues while still open is a leak.
 * <p>
 * Levels: {@link Level#DISABLED}; {@link Level#SIMPLE} tracks one object in {@link #SAMPLING_INTERVAL} and records
 * nothing but the fact; {@link Level#PARANOID} tracks every object and records where it was created, for tests.
 * The default comes from the system property {@code barge.fbufs.leakDetection.level} (SIMPLE if unset). Sampling
 * keeps the steady state free of allocation in SIMPLE mode except for the sampled objects.
 */
public final class LeakDetector
{
    /** How much to track. */
    public enum Level
    {
        /** Track nothing. */
        DISABLED,
        /** Track a sample, without creation records. */
        SIMPLE,
        /** Track everything, with creation records. */
        PARANOID
    }

    /** SIMPLE mode tracks one object in this many. */
    public static final int SAMPLING_INTERVAL = 128;
    private static final int MAX_REPORTS = 64;

    private final String resourceType;
    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Set<Tracker> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong leaks = new AtomicLong();
    private final List<String> reports = new ArrayList<>();
    private volatile Level level;
    private volatile Consumer<String> reporter = System.err::println;

    /**
     * @param resourceType what is tracked, for reports.
     */
    public LeakDetector(final String resourceType)
    {
        this.resourceType = resourceType;
        this.level = Level.valueOf(System.getProperty("barge.fbufs.leakDetection.level", "SIMPLE"));
    }

    /**
     * @param level how much to track from now on.
     */
    public void level(final Level level)
    {
        this.level = level;
    }

    /**
     * @return the current level.
     */
    public Level level()
    {
        return level;
    }

    /**
     * @param reporter told one line per leak found (default: standard error).
     */
    public void reporter(final Consumer<String> reporter)
    {
        this.reporter = reporter;
    }

    /**
     * Starts tracking an object that now holds fbufs; reports leaks found since the last call.
     *
     * @param referent the object.
     * @return a tracker to close when the object lets go, or null if the object is not sampled.
     */
    public Tracker track(final Object referent)
    {
        final Level current = level;
        if (current == Level.DISABLED ||
            current == Level.SIMPLE && ThreadLocalRandom.current().nextInt(SAMPLING_INTERVAL) != 0)
        {
            return null;
        }
        reportLeaks();
        final Tracker tracker = new Tracker(referent, current == Level.PARANOID ?
            new Throwable(resourceType + " created here") : null);
        open.add(tracker);
        return tracker;
    }

    /**
     * Reports every tracked object the garbage collector found unreachable while its tracker was open.
     *
     * @return leaks reported by this call.
     */
    public int reportLeaks()
    {
        int found = 0;
        Reference<?> ref;
        while ((ref = queue.poll()) != null)
        {
            final Tracker tracker = (Tracker)ref;
            if (open.remove(tracker))
            {
                found++;
                leaks.incrementAndGet();
                final StringBuilder report = new StringBuilder("LEAK: a ").append(resourceType)
                    .append(" was garbage collected while still holding fbufs");
                if (tracker.created != null)
                {
                    for (final StackTraceElement frame : tracker.created.getStackTrace())
                    {
                        report.append("\n\tat ").append(frame);
                    }
                }
                final String line = report.toString();
                synchronized (reports)
                {
                    if (reports.size() < MAX_REPORTS)
                    {
                        reports.add(line);
                    }
                }
                reporter.accept(line);
            }
        }
        return found;
    }

    /**
     * @return leaks reported so far.
     */
    public long leakCount()
    {
        return leaks.get();
    }

    /**
     * @return the first reports, for tests.
     */
    public List<String> reports()
    {
        synchronized (reports)
        {
            return List.copyOf(reports);
        }
    }

    /** Tracks one object; {@link #close(Object)} it when the object lets go of its fbufs. */
    public final class Tracker extends WeakReference<Object>
    {
        private final Throwable created;

        private Tracker(final Object referent, final Throwable created)
        {
            super(referent, queue);
            this.created = created;
        }

        /**
         * Stops tracking.
         *
         * @param referent the tracked object, kept reachable until the tracker is closed.
         */
        public void close(final Object referent)
        {
            open.remove(this);
            clear();
            Reference.reachabilityFence(referent);
        }
    }
}
