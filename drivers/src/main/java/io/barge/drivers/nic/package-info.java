/**
 * The simulated DMA NIC and its driver: descriptor rings ({@link io.barge.drivers.nic.NicDescriptor}) and a
 * register page ({@link io.barge.drivers.nic.NicRegistersDescriptor}) the device reaches by frame number through
 * the kernel's DMA engine (pinned frames only), a {@link io.barge.drivers.nic.Link} with a rate and an MTU and a
 * CRC32C trailer per frame, the device as an Agrona agent ({@link io.barge.drivers.nic.Nic}), its driver in a
 * driver domain ({@link io.barge.drivers.nic.NicDriver}, interrupt driven or NAPI polling), and a traffic
 * generator and sink for one end of a {@link io.barge.drivers.nic.Wire}.
 */
package io.barge.drivers.nic;
