/**
 * fbufs (Druschel and Peterson, SOSP 1993; seed 004): cross-domain transfer of page buffers that sit at the same
 * virtual address in every domain.
 * <p>
 * Parts:
 * <ul>
 *     <li>{@link io.barge.fbufs.FbufRegion}: the region reserved in the kernel's global window and the trusted
 *     bookkeeping (reference counts with generations, mappings, protections), playing the kernel's part.</li>
 *     <li>{@link io.barge.fbufs.IoPath}: an I/O path and its allocator; with caching, per-size free lists of fbufs
 *     still mapped along the path, and a lock-free magazine for the owner thread.</li>
 *     <li>{@link io.barge.fbufs.Aggregate}: domain-local aggregate objects with the mbuf operations.</li>
 *     <li>{@link io.barge.fbufs.AggregateDescriptor}: the node layout (integrated mode) and notification payloads.</li>
 *     <li>{@link io.barge.fbufs.FbufTransportProvider} ({@code fbufs}; options {@code cached}, {@code volatile},
 *     {@code integrated}), {@link io.barge.fbufs.FbufTransport}, {@link io.barge.fbufs.FbufChannel},
 *     {@link io.barge.fbufs.FbufSender}, {@link io.barge.fbufs.FbufReceiver}: the transport SPI. A receiver
 *     validates every description it reads (an {@code AggregateWalker}): see {@link io.barge.fbufs.Violation}.</li>
 *     <li>{@link io.barge.fbufs.LeakDetector}: Netty-style leak tracking of aggregates.</li>
 *     <li>{@link io.barge.fbufs.FbufByteBufAllocator}: Netty direct buffers that are fbufs of a path, keeping
 *     Netty's buffer contract (capacity as asked and growth to maxCapacity, unwritten bytes read as zero, writes
 *     checked against the originator's rights, slices and composites sent as they read, leak-aware wrapping,
 *     metrics, {@link io.barge.fbufs.OutOfFbufMemoryError}); {@link io.barge.fbufs.FbufByteBufs}: read-only views
 *     of received messages and aggregates that hold their own references. ByteBufs are big-endian,
 *     {@code Message} words little-endian.</li>
 *     <li>{@link io.barge.fbufs.OverheadTable}: seed 004's overhead table, measured per combination.</li>
 * </ul>
 * What crosses between domains is only words in a notification (a root address, or up to six region offsets and
 * lengths) and bytes in the region; the kernel's in-flight record says which references moved.
 */
package io.barge.fbufs;
