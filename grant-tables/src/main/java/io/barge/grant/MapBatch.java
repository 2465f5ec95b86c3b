package io.barge.grant;

/**
 * A reusable batch of grant maps for {@link Hypervisor#mapGrants} (Xen's array of {@code gnttab_map_grant_ref}):
 * the caller fills the requests, the hypervisor fills a {@link GrantStatus} and, for each good one, a handle.
 * Elements are independent: a bad one does not stop the others.
 */
public final class MapBatch
{
    private final int[] granter;
    private final int[] ref;
    private final long[] address;
    private final boolean[] readOnly;
    private final int[] status;
    private final long[] handle;
    private int size;

    /**
     * @param capacity most elements one batch holds.
     */
    public MapBatch(final int capacity)
    {
        granter = new int[capacity];
        ref = new int[capacity];
        address = new long[capacity];
        readOnly = new boolean[capacity];
        status = new int[capacity];
        handle = new long[capacity];
    }

    /**
     * Empties the batch for reuse.
     */
    public void clear()
    {
        size = 0;
    }

    /**
     * @param granterId the granting domain's id.
     * @param grantRef  the reference it granted.
     * @param va        page-aligned, unmapped address in the caller's space.
     * @param ro        map read-only.
     * @return the element's index.
     * @throws IllegalStateException if the batch is full.
     */
    public int add(final int granterId, final int grantRef, final long va, final boolean ro)
    {
        if (size == granter.length)
        {
            throw new IllegalStateException("batch is full (capacity=" + granter.length + ")");
        }
        granter[size] = granterId;
        ref[size] = grantRef;
        address[size] = va;
        readOnly[size] = ro;
        status[size] = GrantStatus.GENERAL_ERROR;
        handle[size] = -1;
        return size++;
    }

    /**
     * @return elements added.
     */
    public int size()
    {
        return size;
    }

    /**
     * @param i an element.
     * @return its {@link GrantStatus} after {@link Hypervisor#mapGrants}.
     */
    public int status(final int i)
    {
        checkIndex(i);
        return status[i];
    }

    /**
     * @param i an element.
     * @return its handle after {@link Hypervisor#mapGrants}, or -1 if it failed.
     */
    public long handle(final int i)
    {
        checkIndex(i);
        return handle[i];
    }

    int granter(final int i)
    {
        return granter[i];
    }

    int ref(final int i)
    {
        return ref[i];
    }

    long address(final int i)
    {
        return address[i];
    }

    boolean readOnly(final int i)
    {
        return readOnly[i];
    }

    void result(final int i, final int st, final long h)
    {
        status[i] = st;
        handle[i] = h;
    }

    private void checkIndex(final int i)
    {
        if (i < 0 || i >= size)
        {
            throw new IndexOutOfBoundsException("i=" + i + " outside [0, " + size + ")");
        }
    }
}
