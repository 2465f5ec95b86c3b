/**
 * Xen-style device channels, the parts below a transport (seed 004): grant tables, the hypervisor's grant
 * operations, shared descriptor rings and event channels. The {@code xen} transport built on them is in
 * {@link io.barge.grant.xen}; a program that only moves data uses that through the transport API.
 * <ul>
 *     <li>{@link io.barge.grant.Hypervisor}: the kernel's Xen face; start here. It sets up each domain's
 *     {@link io.barge.grant.GrantTable} (in frames the granter owns; layout
 *     {@link io.barge.grant.GrantTableDescriptor}) and maps, unmaps, copies and pins granted frames, singly (a refusal
 *     is a {@link io.barge.grant.GrantException} carrying a {@link io.barge.grant.GrantStatus}) or in a
 *     {@link io.barge.grant.MapBatch} with a status per element.</li>
 *     <li>{@link io.barge.grant.FrontRing} and {@link io.barge.grant.BackRing}: the two sides of a shared request and
 *     response ring (layout {@link io.barge.grant.SharedRingDescriptor}, after Xen's {@code io/ring.h}), with
 *     event-index notification suppression.</li>
 *     <li>{@link io.barge.grant.EventChannels}: ports with pending and mask bits, bound between domains, delivering
 *     to a handler or a {@code Waitset}.</li>
 * </ul>
 * Ownership: a domain reaches another's frame only through a grant its owner wrote. The hypervisor reads each
 * entry once, validates it, and pins the frame while it is mapped, pinned or being copied, so the granter cannot
 * free or reuse it meanwhile; a destroyed granter's frames return to the free pool when the last use goes. The
 * peer is untrusted: a ring index or grant entry that breaks the protocol breaks that ring or fails that operation
 * ({@code ProtocolViolationException}, {@link io.barge.grant.GrantStatus} codes) and nothing else.
 * <p>
 * Threading: hypervisor state is per domain, so operations of disjoint domain pairs take disjoint locks (a
 * mapper's maptrack, then a granter's active table, then its grant table, then the kernel's; see
 * {@link io.barge.grant.Hypervisor}); a grant table's methods are serialised on the table; a front or back ring is
 * driven by one thread; event-channel notify, mask and unmask take no lock and allocate nothing.
 */
package io.barge.grant;
