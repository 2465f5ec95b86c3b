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
    /**
     * The sender called {@link Sender#finish()} and every message it committed before has been delivered: nothing
     * more will come. Returned by every later poll.
     */
    public static final int END_OF_STREAM = -3;
    /**
     * A receiver's answer: the message was received and refused or failed ({@link Receiver#respond}); a sender
     * sees it in {@link ResponseHandler#onResponse}. Never returned by a poll or a claim.
     */
    public static final int ERROR = -4;

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
            case END_OF_STREAM:
                return "END_OF_STREAM";
            case ERROR:
                return "ERROR";
            default:
                return "UNKNOWN(" + status + ")";
        }
    }
}
