package io.barge.grant;

/**
 * A single hypervisor grant operation was refused; nothing changed. {@link #status()} is the {@link GrantStatus}
 * code a batch would have reported for the same element.
 */
public class GrantException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status  a {@link GrantStatus} code other than OKAY.
     * @param message the broken rule, with the values seen.
     */
    public GrantException(final int status, final String message)
    {
        super(GrantStatus.name(status) + ": " + message);
        this.status = status;
    }

    /**
     * @return the {@link GrantStatus} code.
     */
    public int status()
    {
        return status;
    }
}
