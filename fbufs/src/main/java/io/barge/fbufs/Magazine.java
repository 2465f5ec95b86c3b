package io.barge.fbufs;

import java.util.Arrays;

/**
 * One allocating thread's free fbufs on an {@link IoPath}, per size, and the {@link ReturnRing} through which other
 * threads' frees come back to it. The stacks and the ring's consumer side belong to {@link #thread} alone (or, once
 * that thread has ended, to whoever holds the path's lock); producers are any other thread.
 */
final class Magazine
{
    /** Free fbufs per size the owner keeps without locking. */
    static final int SIZE = 32;

    final Thread thread;
    final ReturnRing returns;
    /** Next retired magazine; guarded by the path's lock. */
    Magazine next;
    /** Whether it is on the path's list of retired magazines; guarded by the path's lock. */
    boolean listed;
    private final IoPath path;
    private final FbufRegion region;
    private int[][] lists = new int[0][];
    private int[] counts = new int[0];
    private final ReturnRing.Sink refill = this::refill;
    private final ReturnRing.Sink tally = this::tally;
    private int tallyFbufs;
    private int tallyPages;

    Magazine(final IoPath path, final Thread thread, final int ringCapacity)
    {
        this.path = path;
        this.region = path.region();
        this.thread = thread;
        this.returns = new ReturnRing(ringCapacity);
    }

    /**
     * @param pages size wanted.
     * @return the first page of a free fbuf of that size, or -1.
     */
    int pop(final int pages)
    {
        final int[] counts = this.counts;
        return pages < counts.length && counts[pages] > 0 ? lists[pages][--counts[pages]] : -1;
    }

    /**
     * @param first a free fbuf.
     * @param pages its size.
     * @return false if the stack for its size is full.
     */
    boolean push(final int first, final int pages)
    {
        if (pages >= counts.length)
        {
            lists = Arrays.copyOf(lists, pages + 1);
            counts = Arrays.copyOf(counts, pages + 1);
        }
        int[] list = lists[pages];
        if (list == null)
        {
            list = new int[SIZE];
            lists[pages] = list;
        }
        if (counts[pages] < SIZE)
        {
            list[counts[pages]++] = first;
            return true;
        }
        return false;
    }

    /**
     * Moves what other threads returned into the stacks, at most a stack's worth (what does not fit goes to the
     * path's shared lists). Only {@link #thread} calls it; it takes no lock.
     *
     * @return entries taken from the ring.
     */
    int refill()
    {
        return returns.drain(refill, SIZE);
    }

    private void refill(final long entry)
    {
        final int pages = region.freeRunPages(entry, path.id());
        if (pages < 0)
        {
            return; // reclaimed by a teardown since it was freed: nothing to keep
        }
        if (!push(ReturnRing.first(entry), pages))
        {
            path.overflow(entry, pages);
        }
    }

    /**
     * Under the path's lock, by {@link #thread} (or any thread once it has ended): moves the stacks and the ring to
     * the shared lists.
     *
     * @param toShared puts one ring entry on the shared lists.
     * @return whether nothing is left here (the stacks are empty and no free is on its way through the ring).
     */
    boolean drainTo(final ReturnRing.Sink toShared)
    {
        for (int pages = 0; pages < counts.length; pages++)
        {
            while (counts[pages] > 0 && path.pushToList(lists[pages][counts[pages] - 1], pages))
            {
                counts[pages]--;
            }
        }
        while (path.spillRoom() >= SIZE && returns.drain(toShared, SIZE) > 0)
        {
            // again: the ring may hold more than one drain takes
        }
        return fbufs() == 0 && returns.isEmpty();
    }

    /**
     * @return fbufs on the stacks (exact for {@link #thread}; may lag by an operation in progress for others).
     */
    int fbufs()
    {
        final int[] snapshot = counts;
        int total = 0;
        for (final int count : snapshot)
        {
            total += count;
        }
        return total;
    }

    /**
     * @return pages on the stacks (as {@link #fbufs()}).
     */
    int pages()
    {
        final int[] snapshot = counts;
        int total = 0;
        for (int pages = 0; pages < snapshot.length; pages++)
        {
            total += snapshot[pages] * pages;
        }
        return total;
    }

    /**
     * Counts the free fbufs in the ring now (a snapshot: exact when the path is quiet); under the path's lock.
     *
     * @return fbufs found; {@link #tallyPages()} gives their pages.
     */
    int tallyReturns()
    {
        tallyFbufs = 0;
        tallyPages = 0;
        returns.forEach(tally);
        return tallyFbufs;
    }

    int tallyPages()
    {
        return tallyPages;
    }

    private void tally(final long entry)
    {
        final int pages = region.freeRunPages(entry, path.id());
        if (pages > 0)
        {
            tallyFbufs++;
            tallyPages += pages;
        }
    }

    /**
     * Empties the stacks into an array (path teardown; the ring's fbufs are found by the region's scan).
     */
    int takeAll(final int[] into, final int from)
    {
        int n = from;
        for (int pages = 0; pages < counts.length; pages++)
        {
            for (int i = 0; i < counts[pages] && n < into.length; i++)
            {
                into[n++] = lists[pages][i];
            }
            counts[pages] = 0;
        }
        return n;
    }

    @Override
    public String toString()
    {
        return "Magazine{thread=" + thread.getName() + ", fbufs=" + fbufs() + ", " + returns + "}";
    }
}
