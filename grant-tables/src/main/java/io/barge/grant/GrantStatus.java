package io.barge.grant;

/**
 * Results of hypervisor grant operations, with Xen's {@code GNTST_*} values: a batch reports one per element, a
 * single operation throws a {@link GrantException} carrying one.
 */
public final class GrantStatus
{
    /** The operation succeeded. */
    public static final int OKAY = 0;
    /** The grant changed under the operation more often than it retried (a granter rewriting its entry). */
    public static final int GENERAL_ERROR = -1;
    /** The granting domain is unknown, dead, or has no grant table. */
    public static final int BAD_DOMAIN = -2;
    /** The reference is out of the table's range, was never granted, or its grant has ended. */
    public static final int BAD_GNTREF = -3;
    /** The handle names no live mapping or pin of the caller (e.g. a second unmap). */
    public static final int BAD_HANDLE = -4;
    /** The address is not page aligned, outside the caller's space, or already mapped. */
    public static final int BAD_VIRT_ADDR = -5;
    /** The grant is for another domain, or is read-only and write access was asked for. */
    public static final int PERMISSION_DENIED = -8;
    /** The granted frame is not a frame the granter owns. */
    public static final int BAD_PAGE = -9;
    /** A copy's offset or length leaves the granted frame or crosses a page of the caller. */
    public static final int BAD_COPY_ARG = -10;
    /** The caller's maptrack has no room for another mapping or pin (Xen's {@code GNTST_no_space}). */
    public static final int NO_SPACE = -13;

    private GrantStatus()
    {
    }

    /**
     * @param status a status code.
     * @return its name.
     */
    public static String name(final int status)
    {
        switch (status)
        {
            case OKAY: return "OKAY";
            case GENERAL_ERROR: return "GENERAL_ERROR";
            case BAD_DOMAIN: return "BAD_DOMAIN";
            case BAD_GNTREF: return "BAD_GNTREF";
            case BAD_HANDLE: return "BAD_HANDLE";
            case BAD_VIRT_ADDR: return "BAD_VIRT_ADDR";
            case PERMISSION_DENIED: return "PERMISSION_DENIED";
            case BAD_PAGE: return "BAD_PAGE";
            case BAD_COPY_ARG: return "BAD_COPY_ARG";
            case NO_SPACE: return "NO_SPACE";
            default: return "UNKNOWN(" + status + ")";
        }
    }
}
