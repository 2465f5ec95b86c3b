package io.barge.grant;

import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of a grant table: the array of grant entries a granting domain keeps in its own frames, one page per
 * {@code pageSize / ENTRY_LENGTH} entries, so that the hypervisor (and, in principle, any peer it is mapped to) reads
 * it where the granter wrote it. Reference {@code r} lives in table page {@code r / entriesPerPage(pageSize)} at
 * {@link #entryOffset}; reference 0 is never granted: its slot holds the table header.
 * <p>
 * Grant entry (one per reference; the status word is one 64-bit word, flags in its low half and the granted domain
 * in its high half, always read and written whole so that the hypervisor can check "still granted, to this domain"
 * and set its bits in one compare-and-set, as Xen's {@code scombo}):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Reserved (zero)                  |W|R|O|0|P|  status word, low half:
 *  |                                                   |[HYPER]|[G]|   P, O [GRANTER]; R, W [HYPERVISOR]
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Granted domain id [GRANTER]                  |  status word, high half
 *  +---------------------------------------------------------------+
 *  |                        Frame [GRANTER]                        |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (zero)                        |
 *  +---------------------------------------------------------------+
 * </pre>
 * P = {@link #PERMIT_ACCESS}, O = {@link #READ_ONLY}, R = {@link #READING}, W = {@link #WRITING}.
 * <p>
 * Table header (the slot of reference 0, written by the hypervisor at setup and growth; never trusted by it, which
 * keeps its own copy of the size):
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     Magic [HYPERVISOR]                        |
 *  +---------------------------------------------------------------+
 *  |                    Version [HYPERVISOR]                       |
 *  +---------------------------------------------------------------+
 *  |                 Entries (capacity) [HYPERVISOR]               |
 *  +---------------------------------------------------------------+
 *  |                        Reserved (zero)                        |
 *  +---------------------------------------------------------------+
 * </pre>
 * Grant protocol (granter):
 * <ol>
 *   <li>write the granted domain into the status word with no flags set, and the frame (plain stores);</li>
 *   <li>release-store the status word with the domain and {@code PERMIT_ACCESS} (plus {@code READ_ONLY}): the
 *       release fence makes the domain and frame visible to a hypervisor that sees the permit bit.</li>
 * </ol>
 * Acquire protocol (hypervisor, on map, pin or copy):
 * <ol>
 *   <li>volatile-read the status word once and check it: permit bit, granted domain, read-only against the
 *       requested access;</li>
 *   <li>compare-and-set the status word from the value read to the same value with {@code READING} (and
 *       {@code WRITING}) set: success marks the entry in use, so the granter can no longer end it; failure means
 *       the granter moved, so read again. Success does not prove the entry never changed: a grant ended and issued
 *       again to the same domain with the same flags has the same status word, and the use is then of the new
 *       grant;</li>
 *   <li>for a grant not yet in use, read the frame once, only now (the compare-and-set acquired the granter's
 *       release of step 2 above, so this is the frame of the grant marked in use: a frame read before step 2 could
 *       be the ended grant's), and validate it by pinning it (in range, owned by the granter); if that fails, clear
 *       the bits set in step 2 and refuse. Pinning only after step 2 means a granter whose end won the race never
 *       finds its frame held by an acquire that lost it.</li>
 * </ol>
 * Revoke protocol (granter): compare-and-set the status word from a value without {@code READING}/{@code WRITING}
 * to zero; if either bit is set the grant is in use (mapped, pinned or being copied) and cannot end. The hypervisor
 * clears {@code WRITING} when the last writable use ends and {@code READING} when the last use ends (atomic
 * read-modify-write), after which the granter's compare-and-set succeeds; it unpins the frame before it clears
 * {@code READING}, so a granter whose end then succeeds may free the frame at once.
 */
public final class GrantTableDescriptor
{
    /** Grant entry length in bytes. */
    public static final int ENTRY_LENGTH = 16;
    /** Offset of the status word (flags low, granted domain high). */
    public static final int STATUS_OFFSET = 0;
    /** Offset of the frame field. */
    public static final int FRAME_OFFSET = 8;

    /** [GRANTER] The granted domain may use the frame. */
    public static final int PERMIT_ACCESS = 1;
    /** [GRANTER] The granted domain may only read the frame. */
    public static final int READ_ONLY = 1 << 2;
    /** [HYPERVISOR] The frame is in use (mapped, pinned or being copied) by the granted domain. */
    public static final int READING = 1 << 3;
    /** [HYPERVISOR] The frame is in writable use by the granted domain. */
    public static final int WRITING = 1 << 4;
    /** Both hypervisor-maintained bits: set means "in use", the granter cannot end the grant. */
    public static final int IN_USE_MASK = READING | WRITING;

    /** Offset of the header's magic (in the slot of reference 0). */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the header's version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the header's entry count. */
    public static final int CAPACITY_OFFSET = 8;
    /** "GNTT". */
    public static final int MAGIC = 0x544E_4E47;
    /** Layout version. */
    public static final int VERSION = 1;
    /** Reference 0 holds the header and is never granted. */
    public static final int FIRST_REF = 1;

    private GrantTableDescriptor()
    {
    }

    /**
     * @param pageSize frame size in bytes (a power of two, at least one entry).
     * @return grant entries per table page.
     */
    public static int entriesPerPage(final int pageSize)
    {
        if (pageSize < ENTRY_LENGTH || Integer.bitCount(pageSize) != 1)
        {
            throw new IllegalArgumentException("pageSize=" + pageSize + " must be a power of two >= " + ENTRY_LENGTH);
        }
        return pageSize / ENTRY_LENGTH;
    }

    /**
     * @param entries  table capacity in entries (header slot included).
     * @param pageSize frame size.
     * @return table pages needed.
     */
    public static int pagesFor(final int entries, final int pageSize)
    {
        final int perPage = entriesPerPage(pageSize);
        return (entries + perPage - 1) / perPage;
    }

    /**
     * @param ref      a reference.
     * @param pageSize frame size.
     * @return which table page holds it.
     */
    public static int pageOf(final int ref, final int pageSize)
    {
        return ref / entriesPerPage(pageSize);
    }

    /**
     * @param ref      a reference.
     * @param pageSize frame size.
     * @return the entry's offset within its table page.
     */
    public static int entryOffset(final int ref, final int pageSize)
    {
        return (ref & (entriesPerPage(pageSize) - 1)) * ENTRY_LENGTH;
    }

    /**
     * @param flags  the flag bits.
     * @param domain the granted domain.
     * @return the status word holding both.
     */
    public static long statusWord(final int flags, final int domain)
    {
        return ((long)domain << 32) | (flags & 0xFFFF_FFFFL);
    }

    /**
     * @param status a status word.
     * @return its flags.
     */
    public static int flags(final long status)
    {
        return (int)status;
    }

    /**
     * @param status a status word.
     * @return its granted domain.
     */
    public static int domain(final long status)
    {
        return (int)(status >>> 32);
    }

    /**
     * @param page  a table page.
     * @param entry the entry offset.
     * @return the status word (acquire).
     */
    public static long statusVolatile(final AtomicBuffer page, final int entry)
    {
        return page.getLongVolatile(entry + STATUS_OFFSET);
    }

    /**
     * @param page   a table page.
     * @param entry  the entry offset.
     * @param status the status word, plain store (step 1 of the grant protocol).
     */
    public static void statusPlain(final AtomicBuffer page, final int entry, final long status)
    {
        page.putLong(entry + STATUS_OFFSET, status);
    }

    /**
     * @param page   a table page.
     * @param entry  the entry offset.
     * @param status the status word, release store (step 2 of the grant protocol).
     */
    public static void statusRelease(final AtomicBuffer page, final int entry, final long status)
    {
        page.putLongRelease(entry + STATUS_OFFSET, status);
    }

    /**
     * @param page     a table page.
     * @param entry    the entry offset.
     * @param expected the status word believed current.
     * @param update   the new status word.
     * @return whether the word was {@code expected} and is now {@code update}.
     */
    public static boolean compareAndSetStatus(final AtomicBuffer page, final int entry, final long expected,
        final long update)
    {
        return page.compareAndSetLong(entry + STATUS_OFFSET, expected, update);
    }

    /**
     * @param page  a table page.
     * @param entry the entry offset.
     * @return the frame (plain load; read after {@link #statusVolatile}).
     */
    public static int frame(final AtomicBuffer page, final int entry)
    {
        return page.getInt(entry + FRAME_OFFSET);
    }

    /**
     * @param page  a table page.
     * @param entry the entry offset.
     * @param frame the frame (plain store; published by {@link #statusRelease}).
     */
    public static void frame(final AtomicBuffer page, final int entry, final int frame)
    {
        page.putInt(entry + FRAME_OFFSET, frame);
    }

    /**
     * Writes the header into table page 0.
     *
     * @param page0    the first table page.
     * @param capacity entries.
     */
    public static void writeHeader(final AtomicBuffer page0, final int capacity)
    {
        page0.putInt(MAGIC_OFFSET, MAGIC);
        page0.putInt(VERSION_OFFSET, VERSION);
        page0.putIntRelease(CAPACITY_OFFSET, capacity);
    }

    /**
     * Checks a table's header on attach.
     *
     * @param page0 the first table page.
     * @return the capacity the header states (a hint; the hypervisor keeps its own).
     * @throws IllegalStateException if magic or version are wrong.
     */
    public static int checkHeader(final AtomicBuffer page0)
    {
        final int magic = page0.getInt(MAGIC_OFFSET);
        final int version = page0.getInt(VERSION_OFFSET);
        if (magic != MAGIC || version != VERSION)
        {
            throw new IllegalStateException("grant table magic=0x" + Integer.toHexString(magic) + " version=" +
                version + ", expected magic=0x" + Integer.toHexString(MAGIC) + " version=" + VERSION);
        }
        return page0.getIntVolatile(CAPACITY_OFFSET);
    }
}
