package io.barge.core;

/**
 * A domain presented a share capability that names no offer to it: never issued, already used, withdrawn, issued
 * to another domain, or asking for more rights than the owner offered. Nothing was mapped.
 */
public class InvalidCapabilityException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message the capability, the presenting domain and what is wrong.
     */
    public InvalidCapabilityException(final String message)
    {
        super(message);
    }
}
