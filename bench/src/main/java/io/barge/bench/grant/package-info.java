/**
 * Benchmarks of the Xen-style device-channel parts in grant-tables:
 * {@link io.barge.bench.grant.GrantRingRoundTripBenchmark}, round trips over a grant-mapped shared descriptor ring
 * woken by event channels, with event-index notification suppression on and off, beside a pair of Agrona
 * {@code OneToOneRingBuffer}s doing the same work ({@code ./barge bench GrantRingRoundTrip -f 1}).
 * <p>
 * Threading and ownership: one JMH thread plays both the frontend and the backend, on a machine (kernel,
 * hypervisor, two domains, the granted ring frame) built in the trial set-up and closed in the tear-down; forks get
 * Agrona's {@code --add-opens} and bounds checks off.
 */
package io.barge.bench.grant;
