/**
 * First programs against Barge, each run and checked by the build ({@code mvn -B verify}):
 * <ul>
 *     <li>{@link io.barge.examples.StreamExample}: 64 KiB messages from a producer thread in domain A to a consumer
 *     thread in domain B over a transport chosen by name; the consumer checks sequence and checksum, and every frame
 *     comes back.</li>
 *     <li>{@link io.barge.examples.PipelineExample}: A -> B -> C, B forwarding each message untouched.</li>
 *     <li>{@link io.barge.examples.NettyAllocatorExample}: a Netty {@code ByteBuf} from fbufs'
 *     {@code FbufByteBufAllocator} written, sent, read back through a {@code ByteBuf} view and checked.</li>
 * </ul>
 * Threading and ownership as the transport API has them: one thread per domain end (a sender's thread, a
 * receiver's thread), each with its own reused claim or message flyweight; the kernel, domains and transport are
 * closed by try-with-resources in reverse order of creation, the transport first so that its frames can be counted
 * back before the kernel goes. Every program needs {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED}.
 */
package io.barge.examples;
