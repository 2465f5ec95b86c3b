package io.barge.core;

/**
 * Reserves runs of virtual pages inside a window, next-fit over a bitmap: no garbage per reservation, so the
 * uncached fbuf path can reserve and release a range per message without allocating on the heap.
 * Not thread safe: the kernel serialises calls.
 */
final class VirtualRangeAllocator
{
    private final long firstPage;
    private final int pageCount;
    private final long[] used;
    private int rover;
    private int freePages;

    VirtualRangeAllocator(final long firstPage, final int pageCount)
    {
        this.firstPage = firstPage;
        this.pageCount = pageCount;
        this.used = new long[(pageCount + 63) >>> 6];
        this.freePages = pageCount;
    }

    /**
     * @param pages run length.
     * @return first page of the run, or -1 if no run of that length is free.
     */
    long reserve(final int pages)
    {
        if (pages <= 0 || pages > freePages)
        {
            return -1;
        }
        int start = rover;
        int scanned = 0;
        int runStart = -1;
        int runLength = 0;
        while (scanned < pageCount + pages)
        {
            if (start >= pageCount)
            {
                start = 0;
                runStart = -1;
                runLength = 0;
            }
            if (isUsed(start))
            {
                runStart = -1;
                runLength = 0;
            }
            else
            {
                if (runStart < 0)
                {
                    runStart = start;
                }
                if (++runLength == pages)
                {
                    for (int p = runStart; p < runStart + pages; p++)
                    {
                        used[p >>> 6] |= 1L << p;
                    }
                    freePages -= pages;
                    rover = runStart + pages;
                    return firstPage + runStart;
                }
            }
            start++;
            scanned++;
        }
        return -1;
    }

    /**
     * @param page  first page as returned by {@link #reserve(int)}.
     * @param pages run length.
     */
    void release(final long page, final int pages)
    {
        final int start = (int)(page - firstPage);
        if (start < 0 || pages <= 0 || start + pages > pageCount)
        {
            throw new IllegalArgumentException("page=" + page + " pages=" + pages + " outside the window [" +
                firstPage + ", " + (firstPage + pageCount) + ")");
        }
        for (int p = start; p < start + pages; p++)
        {
            if (!isUsed(p))
            {
                throw new IllegalStateException("page=" + (firstPage + p) + " released but not reserved");
            }
        }
        for (int p = start; p < start + pages; p++)
        {
            used[p >>> 6] &= ~(1L << p);
        }
        freePages += pages;
    }

    int freePages()
    {
        return freePages;
    }

    boolean contains(final long page)
    {
        return page >= firstPage && page < firstPage + pageCount;
    }

    private boolean isUsed(final int p)
    {
        return (used[p >>> 6] & (1L << p)) != 0;
    }
}
