/**
 * A hostile-peer test kit: what a test needs to act as an untrusted or dying domain against a transport, and to
 * check afterwards that nothing leaked.
 * <ul>
 *   <li>{@link io.barge.testkit.HostilePeer}: the frames a domain's page table really lets it reach, and raw
 *       reads and writes of them (forged counters, records, control words), refused where the domain has no
 *       mapping.</li>
 *   <li>{@link io.barge.testkit.KillSwitch}: destroys a domain at the n-th call of {@code tick()}, so a test
 *       places a death exactly (between a claim and its commit, inside a handler, ...).</li>
 *   <li>{@link io.barge.testkit.LeakCheck}: snapshots free frames and any other counts that must come back, and
 *       fails with every difference.</li>
 * </ul>
 * Other modules depend on this one with test scope.
 */
package io.barge.testkit;
