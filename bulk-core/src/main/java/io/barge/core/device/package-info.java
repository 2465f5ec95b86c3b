/**
 * What the kernel gives devices: a DMA engine ({@link io.barge.core.device.Dma}) that reaches only frames pinned
 * for DMA, interrupt lines ({@link io.barge.core.device.InterruptLine}) delivered to a driver domain as LMP
 * messages with mask, acknowledge and unmask, and their counters ({@link io.barge.core.device.DeviceCounters}).
 * The simulated NIC and the driver domain (module drivers) stand on these.
 */
package io.barge.core.device;
