/**
 * First programs against Barge, each a complete program in one file, run and checked by the build
 * ({@code mvn -B verify}) over every installed transport:
 * <ul>
 *     <li>{@link io.barge.examples.StreamExample}: 16,384 messages of 64 KiB from domain A to domain B, a thread each,
 *     over a transport chosen by name; B checks sequence and checksum, and every frame comes back.</li>
 *     <li>{@link io.barge.examples.PipelineExample}: A -> B -> C over a {@code ChannelPath}, B passing each message
 *     on untouched ({@code Receiver.transferTo}).</li>
 *     <li>{@link io.barge.examples.NettyAllocatorExample}: a Netty {@code ByteBuf} from fbufs'
 *     {@code FbufByteBufAllocator} written, sent, read back through a {@code ByteBuf} view and checked.</li>
 * </ul>
 * Threading and ownership as the transport API has them: one thread per domain end, each with its own reused claim
 * or message flyweight; a domain's loop runs on a thread of its own ({@code Domain.start}), which the domain's
 * destruction waits for. The kernel, domains and transport are closed by try-with-resources in reverse order of
 * creation; the channels are closed first, so that their frames can be counted back. Every program needs
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED}.
 */
package io.barge.examples;
