package io.barge.core.machine;

/**
 * A machine file cannot be created or attached to: missing, not a Barge machine file, another version, lengths
 * that disagree, shorter than its header says, or owned by a live kernel. {@link #reason()} says which.
 */
public class MachineFileException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** What is wrong. */
    public enum Reason
    {
        /** No machine file in the directory. */
        NOT_FOUND,
        /** The magic number is not Barge's. */
        WRONG_MAGIC,
        /** The layout version is not this one. */
        WRONG_VERSION,
        /** The header's lengths disagree with each other or with the layout's rules. */
        BAD_LENGTHS,
        /** The file is shorter than its header (or than a header). */
        TRUNCATED,
        /** A live kernel owns the directory. */
        LIVE_KERNEL,
        /** The file could not be read or written. */
        IO
    }

    private final Reason reason;

    /**
     * @param reason  what is wrong.
     * @param message what was found and what was expected.
     */
    public MachineFileException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    /**
     * @param reason  what is wrong.
     * @param message what was found and what was expected.
     * @param cause   the underlying failure.
     */
    public MachineFileException(final Reason reason, final String message, final Throwable cause)
    {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * @return what is wrong.
     */
    public Reason reason()
    {
        return reason;
    }
}
