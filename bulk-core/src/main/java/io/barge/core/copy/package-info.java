/**
 * The {@code copy} transport, the baseline every other transport is compared with: classic two-copy IPC. The sender
 * fills a private staging buffer; committing has the kernel copy it into a kernel pipe (a byte ring in frames only
 * the kernel's domain maps) and notify the receiver over UMP or LMP; the receiver's poll has the kernel copy it out
 * into one of the receiver's private buffers. Both copies are counted ({@code BYTES_COPIED}), and each channel
 * counts its messages and bytes in {@link io.barge.core.ChannelCounters} ({@code barge stat} shows them).
 * <p>
 * Use it through the transport API ({@code Transports.create(kernel, "copy", Map.of())}); the one public type is
 * {@link io.barge.core.copy.CopyTransportProvider}. It has no options. {@code forward} copies the received message
 * once, straight into the next hop's pipe: there is no shared memory to hand on.
 * <p>
 * Ownership and threading: the pipe's frames belong to the kernel's domain, the staging and receive buffers to the
 * sending and receiving domains, and closing the channel returns them all (destroying either domain closes it). The
 * notification carries the length, which the receiver's side checks against the kernel's own record, so a sender
 * that scribbles on the notification ring breaks only its channel. The sender and the receiver may each run on a
 * thread of its own; the pipe's head and tail are kernel state advanced by one side each.
 */
package io.barge.core.copy;
