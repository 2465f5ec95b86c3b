package io.barge.core;

/**
 * A domain touched memory it holds no mapping for, or lacks the right for the access.
 * <p>
 * Raised by {@link AddressSpace} before any byte is read or written, so a fault never leaves memory half changed.
 */
public final class ProtectionFault extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int domainId;
    private final String domainName;
    private final long address;
    private final Access access;

    /**
     * @param domainId   id of the faulting domain.
     * @param domainName name of the faulting domain.
     * @param address    virtual address of the access.
     * @param access     what was attempted.
     * @param reason     why the access was refused.
     */
    public ProtectionFault(
        final int domainId, final String domainName, final long address, final Access access, final String reason)
    {
        super("protection fault: domain=" + domainName + "(" + domainId + ") address=0x" + Long.toHexString(address) +
            " access=" + access + ": " + reason);
        this.domainId = domainId;
        this.domainName = domainName;
        this.address = address;
        this.access = access;
    }

    /**
     * @return id of the faulting domain.
     */
    public int domainId()
    {
        return domainId;
    }

    /**
     * @return name of the faulting domain.
     */
    public String domainName()
    {
        return domainName;
    }

    /**
     * @return virtual address of the refused access.
     */
    public long address()
    {
        return address;
    }

    /**
     * @return the refused access.
     */
    public Access access()
    {
        return access;
    }
}
