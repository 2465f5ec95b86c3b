/**
 * Rbufs (Black; Leslie et al. 1996): bulk transport that splits a channel into a data area, offset/length
 * aggregation and memory management.
 * <ul>
 *   <li><b>Data area</b>: {@code capacity} slots of {@code maxMessageLength} bytes (rounded up to a cache line),
 *       frames owned by the originator, mapped read-write there and read-only in the receiver; always backed,
 *       managed by the master.</li>
 *   <li><b>Control areas</b>: one per direction, each a ring of IOrecs ({@link io.barge.rbufs.IoRecDescriptor})
 *       after a header ({@link io.barge.rbufs.ControlAreaDescriptor}), writable by its producer only. The head
 *       and tail of each ring are 64-bit event counts (Nemesis style) kept in the header of the area their end
 *       writes; the wake-up that goes with an event is a notification on the notification core (UMP or LMP),
 *       sent only when a counter crosses the position the peer asked to be woken at (Xen's event indices) and
 *       otherwise suppressed and counted ({@link io.barge.core.CounterType#NOTIFICATIONS_SUPPRESSED}). A
 *       polling end reads the counters and never misses one; an end that ran out of work is always woken.</li>
 *   <li><b>Transmit master</b> ({@link io.barge.rbufs.RbufsChannel.Mode#TMM}): the originator picks a slot,
 *       writes, sends a DATA IOrec; the receiver gives the region back with a FREE IOrec, which the originator
 *       checks against what it sent.</li>
 *   <li><b>Receive master</b> ({@link io.barge.rbufs.RbufsChannel.Mode#RMM}): the receiver posts every slot with
 *       EMPTY IOrecs; the originator fills one and sends it back as DATA; the receiver checks it names a region
 *       it posted and re-posts it on release.</li>
 *   <li><b>Multicast</b> ({@link io.barge.rbufs.RbufsMulticast}): one data area, a pair of control areas per
 *       receiver, reference counts, bounded rings, detach after a timeout on an injectable clock.</li>
 * </ul>
 * The peer is untrusted: each IOrec is copied out of the ring once, validated, then used; impossible counters
 * or unparseable records break the channel with {@link io.barge.core.ProtocolViolationException}; invalid,
 * forged or repeated IOrecs are rejected and counted ({@link io.barge.core.CounterType#PROTOCOL_VIOLATIONS}).
 * In receive-master mode a post of a slot already posted or claimed breaks the channel.
 * <p>
 * Deaths and teardown: a channel learns of either domain's death from the kernel and closes, returning every
 * frame no end can still reach before the dead domain's frames are reused; a dead multicast receiver is detached
 * and the others go on. No end's call takes a CAS or a fence for this: each records its thread when it changes and
 * reads the channel's state, and a teardown frees the frames an end reaches raw only once that end is quiescent
 * (quiescent-state deferral, {@link io.barge.core.transport.spi.Deferral}), so no end reads or writes a frame after
 * it has been freed; its next call gets {@link io.barge.core.ChannelClosedException}.
 * <p>
 * <b>Paths</b> ({@link io.barge.rbufs.RbufsPath}, opened by {@code RbufsTransport.openPath} in transmit-master
 * mode): the source's data area is mapped read-only into every downstream domain and shared by the pair-wise
 * channels, so {@link io.barge.core.transport.Sender#forward} of a message the hop before delivered passes its IOrec
 * (base, length) on without copying; each receiver keeps private custody of the path's regions (a forward of one not
 * held as delivered, or twice, is refused with {@link io.barge.rbufs.ForwardRefusedException} and counted), and
 * regions go back to the source hop by hop, each hop checking what it handed on. A hop that closes or loses a domain
 * closes the hops after it and gives back what it carried; the hops before go on.
 * <p>
 * Any other forward copies, counted as bytes copied, into a region of the outbound channel's own data area: a
 * message from a channel off the path or of another transport, a message of several pieces, one a stage wrote into
 * its own hop's area, and every forward in receive-master mode (each receiver is master of its own hop's area).
 * Only a message held by the forwarding sender's own domain can be forwarded.
 */
package io.barge.rbufs;
