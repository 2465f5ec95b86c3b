package io.barge.drivers.nic;

/**
 * A burst of foreign buffers staged for one {@link NicDriver#postTx(NicBurst)} or {@link NicDriver#postRx(NicBurst)}
 * (DPDK's {@code rte_eth_tx_burst}, NAPI's one doorbell per poll): the driver fills every descriptor and then rings
 * the doorbell once, under one entry of its monitor, instead of a monitor entry and a doorbell per buffer. A reused
 * flyweight: allocate one per port, {@link #add} buffers, post, and the post empties it.
 * <p>
 * Not thread safe: one thread stages and posts.
 */
public final class NicBurst
{
    private final int[] frames;
    private final int[] offsets;
    private final int[] lengths;
    private final long[] cookies;
    private int count;

    /**
     * @param capacity most buffers staged at once, at least 1.
     */
    public NicBurst(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " is below 1");
        }
        this.frames = new int[capacity];
        this.offsets = new int[capacity];
        this.lengths = new int[capacity];
        this.cookies = new long[capacity];
    }

    /**
     * Stages a buffer; nothing reaches the device until the burst is posted.
     *
     * @param frame  the buffer's frame, pinned for DMA by the caller until its cookie is reported.
     * @param offset first byte in the frame.
     * @param length bytes to send (TX) or the device may write (RX).
     * @param cookie names the buffer in the {@link NicCompletionHandler}.
     * @throws IllegalStateException if the burst is full.
     */
    public void add(final int frame, final int offset, final int length, final long cookie)
    {
        if (count == frames.length)
        {
            throw new IllegalStateException("burst full at capacity=" + frames.length);
        }
        frames[count] = frame;
        offsets[count] = offset;
        lengths[count] = length;
        cookies[count] = cookie;
        count++;
    }

    /**
     * @return buffers staged and not yet posted.
     */
    public int count()
    {
        return count;
    }

    /**
     * @return most buffers staged at once.
     */
    public int capacity()
    {
        return frames.length;
    }

    /**
     * Drops every staged buffer (the caller still holds their pins).
     */
    public void clear()
    {
        count = 0;
    }

    int frame(final int i)
    {
        return frames[i];
    }

    int offset(final int i)
    {
        return offsets[i];
    }

    int length(final int i)
    {
        return lengths[i];
    }

    long cookie(final int i)
    {
        return cookies[i];
    }

    /** After a post of the first {@code posted}: the rest move to the front, to be posted later. */
    void consumed(final int posted)
    {
        final int left = count - posted;
        count = left;
        if (left == 0)
        {
            return; // the usual case: the ring took the whole burst
        }
        System.arraycopy(frames, posted, frames, 0, left);
        System.arraycopy(offsets, posted, offsets, 0, left);
        System.arraycopy(lengths, posted, lengths, 0, left);
        System.arraycopy(cookies, posted, cookies, 0, left);
    }
}
