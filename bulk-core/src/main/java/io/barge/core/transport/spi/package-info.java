/**
 * Support for transport implementations, out of users' way: {@link io.barge.core.transport.spi.Flyweights}
 * fills and completes the user's {@link io.barge.core.transport.Claim} and {@link io.barge.core.transport.Message}
 * flyweights. A program that only uses Barge's transports never needs this package; one that writes a
 * {@link io.barge.core.transport.TransportProvider} does.
 */
package io.barge.core.transport.spi;
