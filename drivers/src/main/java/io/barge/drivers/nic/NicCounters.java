package io.barge.drivers.nic;

import io.barge.core.CounterType;

/**
 * The simulated NIC's counter types (ids 40..50), counted on the driver domain the device works for (on the kernel
 * domain while no driver is attached), as Aeron's system counters: stable ids, no logging on the data path.
 */
public final class NicCounters
{
    /** Frames the device put on the wire. */
    public static final CounterType NIC_TX_FRAMES = CounterType.register(40, "NIC_TX_FRAMES", "NIC frames sent");
    /** Payload bytes the device put on the wire. */
    public static final CounterType NIC_TX_BYTES = CounterType.register(41, "NIC_TX_BYTES", "NIC bytes sent");
    /** TX descriptors the device completed with ERROR (DMA fault, bad descriptor, longer than the MTU). */
    public static final CounterType NIC_TX_ERRORS = CounterType.register(42, "NIC_TX_ERRORS", "NIC TX errors");
    /** Frames the device wrote into posted RX buffers. */
    public static final CounterType NIC_RX_FRAMES = CounterType.register(43, "NIC_RX_FRAMES", "NIC frames received");
    /** Payload bytes the device wrote into posted RX buffers. */
    public static final CounterType NIC_RX_BYTES = CounterType.register(44, "NIC_RX_BYTES", "NIC bytes received");
    /** Frames off the wire whose CRC32C trailer did not match: dropped. */
    public static final CounterType NIC_RX_CRC_ERRORS =
        CounterType.register(45, "NIC_RX_CRC_ERRORS", "NIC RX CRC errors");
    /** Frames off the wire dropped because no RX buffer was posted ("rx_no_buffer"). */
    public static final CounterType NIC_RX_NO_BUFFER = CounterType.register(46, "NIC_RX_NO_BUFFER", "NIC RX no buffer");
    /** Frames off the wire shorter than a CRC or longer than the MTU: dropped. */
    public static final CounterType NIC_RX_LENGTH_ERRORS =
        CounterType.register(47, "NIC_RX_LENGTH_ERRORS", "NIC RX length errors");
    /** RX descriptors the device completed with ERROR (DMA fault, bad descriptor, buffer too small). */
    public static final CounterType NIC_RX_ERRORS = CounterType.register(48, "NIC_RX_ERRORS", "NIC RX errors");
    /** Ring programming the device refused: impossible tail, bad ring configuration, ring not pinned. */
    public static final CounterType NIC_RING_ERRORS = CounterType.register(49, "NIC_RING_ERRORS", "NIC ring errors");
    /** Device write-backs the driver rejected (never posted, completed twice, longer than the posted buffer). */
    public static final CounterType NIC_COMPLETIONS_REJECTED =
        CounterType.register(50, "NIC_COMPLETIONS_REJECTED", "NIC completions rejected");

    private NicCounters()
    {
    }
}
