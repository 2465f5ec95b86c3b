package io.barge.fbufs;

/**
 * Next-fit allocator of page runs inside the fbuf region, over a bitmap: no garbage per reservation, so the uncached
 * path can reserve and release a virtual range per message (seed 004 overheads 1.1 and 4.1) without allocating.
 * Not thread safe: {@link FbufRegion} calls it under its lock.
 */
final class PageRunAllocator
{
    private final int pageCount;
    private final long[] used;
    private int rover;
    private int freePages;

    PageRunAllocator(final int pageCount)
    {
        this.pageCount = pageCount;
        this.used = new long[(pageCount + 63) >>> 6];
        this.freePages = pageCount;
    }

    /**
     * @param pages run length.
     * @return index of the run's first page, or -1 if no such run is free.
     */
    int reserve(final int pages)
    {
        if (pages <= 0 || pages > freePages)
        {
            return -1;
        }
        int page = rover;
        int runStart = -1;
        int runLength = 0;
        for (int scanned = 0; scanned < pageCount + pages; scanned++, page++)
        {
            if (page >= pageCount)
            {
                page = 0;
                runStart = -1;
                runLength = 0;
            }
            if (isUsed(page))
            {
                runStart = -1;
                runLength = 0;
                continue;
            }
            if (runStart < 0)
            {
                runStart = page;
            }
            if (++runLength == pages)
            {
                for (int p = runStart; p < runStart + pages; p++)
                {
                    used[p >>> 6] |= 1L << p;
                }
                freePages -= pages;
                rover = runStart + pages;
                return runStart;
            }
        }
        return -1;
    }

    /**
     * @param first first page of a run returned by {@link #reserve(int)}.
     * @param pages its length.
     */
    void release(final int first, final int pages)
    {
        if (first < 0 || pages <= 0 || first + pages > pageCount)
        {
            throw new IllegalArgumentException("first=" + first + " pages=" + pages + " outside [0, " + pageCount + ")");
        }
        for (int p = first; p < first + pages; p++)
        {
            if (!isUsed(p))
            {
                throw new IllegalStateException("page=" + p + " released but not reserved");
            }
            used[p >>> 6] &= ~(1L << p);
        }
        freePages += pages;
    }

    int freePages()
    {
        return freePages;
    }

    private boolean isUsed(final int page)
    {
        return (used[page >>> 6] & (1L << page)) != 0;
    }
}
