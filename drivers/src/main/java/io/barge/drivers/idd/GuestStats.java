package io.barge.drivers.idd;

/**
 * What a {@link DriverDomain} did for one guest, a snapshot.
 *
 * @param txPackets  requests whose frame went on the wire.
 * @param txBytes    their bytes.
 * @param txErrors   requests the device completed with an error (a DMA fault, say), answered as errors.
 * @param txRejected requests the driver domain refused before the device saw them (over the MTU, crossing a page,
 *                   a page it may not read), answered as errors.
 * @param rxPackets  frames delivered to the guest.
 * @param rxBytes    their bytes.
 * @param rxErrors   receive buffers the device completed with an error (aborted, not delivered).
 * @param rxDropped  frames the guest's inbound NIC dropped for want of a posted buffer (the guest did not consume).
 * @param failure    why the guest's port was closed (destroyed, broke the protocol), or null while it is served.
 */
public record GuestStats(long txPackets, long txBytes, long txErrors, long txRejected, long rxPackets, long rxBytes,
    long rxErrors, long rxDropped, Throwable failure)
{
}
