package io.barge.core.device;

import io.barge.core.CounterType;

/**
 * The counter types of the device support, registered as a module registers its own ({@link CounterType#register}).
 */
public final class DeviceCounters
{
    /** Bytes a device moved by DMA on behalf of this domain (its driver). */
    public static final CounterType DMA_BYTES = CounterType.register(30, "DMA_BYTES", "DMA bytes");
    /** DMA transfers refused because the frame was not pinned or the range left the frame. */
    public static final CounterType DMA_FAULTS = CounterType.register(31, "DMA_FAULTS", "DMA faults");
    /** Interrupts a device raised on a line bound to this domain. */
    public static final CounterType INTERRUPTS_RAISED =
        CounterType.register(32, "INTERRUPTS_RAISED", "interrupts raised");
    /** Interrupt messages the kernel delivered to this domain's endpoint. */
    public static final CounterType INTERRUPTS_DELIVERED =
        CounterType.register(33, "INTERRUPTS_DELIVERED", "interrupts delivered");
    /** Interrupts raised while the line was masked or in service, folded into the next delivery. */
    public static final CounterType INTERRUPTS_COALESCED =
        CounterType.register(34, "INTERRUPTS_COALESCED", "interrupts coalesced");
    /** Interrupts raised on a line whose driver is gone. */
    public static final CounterType INTERRUPTS_DROPPED =
        CounterType.register(35, "INTERRUPTS_DROPPED", "interrupts dropped");
    /** Frames pinned for DMA through a mapping of the pinning domain ({@code Kernel.pinMappedForDma}). */
    public static final CounterType DMA_PINS = CounterType.register(36, "DMA_PINS", "DMA pins");

    private DeviceCounters()
    {
    }
}
