/**
 * The {@code xen} transport (seed 004, Fraser et al. 2004): Xen device channels on the grant tables, descriptor rings
 * and event channels of {@link io.barge.grant}. A {@link io.barge.grant.xen.XenChannel}'s sender is the front end
 * (a guest), its receiver the back end (a driver domain); a {@link io.barge.grant.xen.XenPostedChannel} is the other
 * direction, netfront's RX ring: the receiver posts empty granted buffers and the sender fills them. Requests and
 * responses follow
 * {@link io.barge.grant.xen.XenRequestDescriptor}; {@link io.barge.grant.xen.GrantMode} picks grant map, grant copy
 * or persistent grants. Found by {@link java.util.ServiceLoader} as {@link io.barge.grant.xen.XenTransportProvider}.
 */
package io.barge.grant.xen;
