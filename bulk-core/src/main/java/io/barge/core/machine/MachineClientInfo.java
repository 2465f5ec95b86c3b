package io.barge.core.machine;

import java.util.Arrays;

/**
 * One attached client process as the kernel's client table shows it ({@link ClientTableDescriptor}).
 *
 * @param clientId    the id the kernel gave it on attach.
 * @param pid         the process id it declared.
 * @param attachMs    when it attached, epoch milliseconds.
 * @param heartbeatMs when the kernel took its last keepalive, epoch milliseconds.
 * @param domainIds   the kernel's ids of the domains it owns.
 */
public record MachineClientInfo(int clientId, long pid, long attachMs, long heartbeatMs, int[] domainIds)
{
    /**
     * @param clientId    the id the kernel gave it on attach.
     * @param pid         the process id it declared.
     * @param attachMs    when it attached, epoch milliseconds.
     * @param heartbeatMs when the kernel took its last keepalive, epoch milliseconds.
     * @param domainIds   the kernel's ids of the domains it owns (copied).
     */
    public MachineClientInfo
    {
        domainIds = domainIds.clone();
    }

    /**
     * @return the domain ids (a copy).
     */
    @Override
    public int[] domainIds()
    {
        return domainIds.clone();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof MachineClientInfo that && clientId == that.clientId && pid == that.pid &&
            attachMs == that.attachMs && heartbeatMs == that.heartbeatMs && Arrays.equals(domainIds, that.domainIds);
    }

    @Override
    public int hashCode()
    {
        return 31 * Integer.hashCode(clientId) + Arrays.hashCode(domainIds);
    }

    @Override
    public String toString()
    {
        return "client " + clientId + " pid " + pid + " domains " + Arrays.toString(domainIds);
    }
}
