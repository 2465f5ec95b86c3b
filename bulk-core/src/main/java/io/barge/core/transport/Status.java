package io.barge.core.transport;

/**
 * Result values of the non-blocking transport calls. Back pressure is a value, never an exception
 * (Aeron's {@code Publication.offer} is the model).
 */
public final class Status
{
    /** The call did what it was asked. */
    public static final int OK = 0;
    /** No room now (ring full, free list empty, peer not keeping up): retry later. Nothing was changed. */
    public static final int BACK_PRESSURED = -1;
    /** Nothing to receive now. */
    public static final int EMPTY = -2;

    private Status()
    {
    }

    /**
     * @param status a result value.
     * @return its name.
     */
    public static String name(final int status)
    {
        switch (status)
        {
            case OK:
                return "OK";
            case BACK_PRESSURED:
                return "BACK_PRESSURED";
            case EMPTY:
                return "EMPTY";
            default:
                return "UNKNOWN(" + status + ")";
        }
    }
}
