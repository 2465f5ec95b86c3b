package io.barge.core.transport;

/**
 * What a transport can do beyond the calls every transport has; {@link Transport#capabilities()} lists those it
 * claims. A call that needs a capability the transport lacks throws {@link UnsupportedOperationException}.
 */
public enum Capability
{
    /**
     * The receiver answers each message with a status ({@link Receiver#respond}, a plain release answering
     * {@link Status#OK}) and the sender collects the answers by message id ({@link Sender#pollResponses}), as a Xen
     * back end answers a request with (id, status) or a NIC completes a descriptor.
     */
    RESPONSES,
    /**
     * {@link Sender#forward} hands a received message's memory on to the next channel without copying its bytes
     * (fbufs pass the buffers along their path).
     */
    ZERO_COPY_FORWARD,
    /**
     * Buffers lent to be filled: the sender may hold several claims at once (up to the channel's capacity), fill
     * them in any order of time and commit them in claim order, each {@link Claim#shrink shrunk} to what was
     * filled, as a driver posts receive buffers to its device before any frame's length is known. Every claim lies
     * in a frame the sender maps writable, so it may pin it for the device
     * ({@link io.barge.core.Kernel#pinMappedForDma}).
     */
    POSTED_BUFFERS
}
