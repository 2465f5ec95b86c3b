/**
 * The driver domain (Xen's IDD): {@link io.barge.drivers.idd.DriverDomain} runs NIC drivers for foreign buffers
 * ({@link io.barge.drivers.nic.NicDriver#forForeignBuffers}) and serves N guest domains over one transport family
 * ({@link io.barge.drivers.idd.IddPath}: xen with grants map, copy or persistent; rbufs TMM out, RMM in; fbufs), each
 * guest on a pair of back-to-back NICs, so that guests send to each other in a ring. Nothing is copied by the driver
 * domain: the device DMAs from the frame behind a guest's transmit request and into the claim a guest will receive,
 * each pinned for the transfer through the driver domain's own mapping ({@link io.barge.core.Kernel#pinMappedForDma}).
 * <p>
 * Start with {@link io.barge.drivers.idd.DriverDomain} and a guest's {@link io.barge.drivers.idd.GuestNic}; settings
 * in {@link io.barge.drivers.idd.IddConfig}; what was done per guest in {@link io.barge.drivers.idd.GuestStats}; the
 * measured run behind {@code barge nic} in {@link io.barge.drivers.idd.IddRun} with
 * {@link io.barge.drivers.idd.GuestTraffic}.
 * <p>
 * Threads and ownership: the driver domain is one Agrona agent whose {@code doWork} dispatches its waitset under its
 * monitor (lock order: driver domain, then a NIC driver); the devices are agents of their own; each guest's
 * {@code GuestNic} is used by one guest thread. Deaths are learnt from the kernel: a guest's retires only that guest,
 * the driver domain's resets every device and returns every guest buffer before any channel or frame is torn down.
 */
package io.barge.drivers.idd;
