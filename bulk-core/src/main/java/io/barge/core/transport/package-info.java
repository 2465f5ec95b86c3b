/**
 * The transport API every bulk transport implements and every program is written against, so that a program runs
 * on any of them: {@code copy}, {@code fbufs}, {@code rbufs}, and those to come.
 * <p>
 * Start from {@link io.barge.core.transport.Transports#create}: a transport by name (found with
 * {@link java.util.ServiceLoader}; an unknown name or option is an {@link io.barge.core.transport.InvalidOptionException}
 * that lists the valid ones). A {@link io.barge.core.transport.Transport} opens one-way
 * {@link io.barge.core.transport.Channel}s between two domains ({@code open}) or a
 * {@link io.barge.core.transport.ChannelPath} along distinct domains, one channel per hop ({@code openPath}), sized
 * by a {@link io.barge.core.transport.ChannelConfig}. The sender claims a writable buffer,
 * fills it and commits it ({@link io.barge.core.transport.Sender#tryClaim}, {@link io.barge.core.transport.Claim},
 * {@code commit}/{@code abort}) or forwards a message it received without touching its bytes
 * ({@link io.barge.core.transport.Sender#forward}); the receiver polls a read-only
 * {@link io.barge.core.transport.Message} and releases it, which gives its memory back, or hands a batch to a
 * {@link io.barge.core.transport.MessageHandler} ({@code poll(handler, limit)}). The sender's
 * {@link io.barge.core.transport.Sender#finish()} ends the stream: the receiver gets every message before it, then
 * {@link io.barge.core.transport.Status#END_OF_STREAM}. Back pressure, "nothing yet" and the end are return values
 * ({@link io.barge.core.transport.Status}), never exceptions: wait with an Agrona {@code IdleStrategy}, not a busy
 * loop, or call the waiting forms, which allocate nothing and end with a close from another thread:
 * {@code Receiver.receive(message, timeout, unit)}, {@code Sender.awaitClaim(length, claim)}, the timed
 * {@code Sender.tryClaim} and {@code Sender.forward}, and {@code Receiver.transferTo(sender)}, a forwarding domain's
 * whole loop.
 * <p>
 * Ownership: a claim belongs to the sender until committed (then the receiver's) or aborted; a message is held by
 * the receiver from a successful poll until {@code release} (or a successful {@code forward}), or, given to a
 * handler, only while the handler runs; a receiver may hold up to the channel's capacity at once. Claims and messages are reused flyweights: make one with {@code newClaim()} or
 * {@code newMessage()} and pass it to every call, so that steady-state sending and receiving allocate nothing.
 * Closing a channel (or its transport) returns every frame it holds, including messages in flight or held.
 * <p>
 * Threading: a {@link io.barge.core.transport.Sender} is used by one thread acting for the sending domain and a
 * {@link io.barge.core.transport.Receiver} by one thread acting for the receiving domain; the two ends of a channel
 * may be on different threads, and a domain's threads may be its own ({@code Domain.start}, waited for when the
 * domain is destroyed). Providers implement {@link io.barge.core.transport.TransportProvider}, fill claims
 * and messages through {@link io.barge.core.transport.spi.Flyweights}, and run the abstract
 * {@code TransportContractTest} of bulk-core's test-jar.
 */
package io.barge.core.transport;
