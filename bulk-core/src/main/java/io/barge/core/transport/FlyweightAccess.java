package io.barge.core.transport;

import io.barge.core.AddressSpace;
import io.barge.core.transport.spi.Flyweights;

/**
 * The one implementation of {@link Flyweights.Access}: it reaches the flyweights' package-private operations.
 * Package-private, created only by {@link Flyweights}.
 */
final class FlyweightAccess implements Flyweights.Access
{
    FlyweightAccess()
    {
    }

    @Override
    public void wrap(final Claim claim, final AddressSpace space, final long address, final int length,
        final long token, final Object attachment)
    {
        claim.wrap(space, address, length, token, attachment);
    }

    @Override
    public void checkClaimable(final Claim claim, final int length, final int maxMessageLength)
    {
        claim.checkClaimable(length, maxMessageLength);
    }

    @Override
    public void complete(final Claim claim)
    {
        claim.complete();
    }

    @Override
    public long token(final Claim claim)
    {
        return claim.token();
    }

    @Override
    public Object attachment(final Claim claim)
    {
        return claim.attachment();
    }

    @Override
    public void begin(final Message message, final Receiver source, final AddressSpace space, final long token,
        final Object attachment, final boolean zeroOnFault)
    {
        message.begin(source, space, token, attachment, zeroOnFault);
    }

    @Override
    public void addPiece(final Message message, final long address, final int pieceLength)
    {
        message.addPiece(address, pieceLength);
    }

    @Override
    public void end(final Message message)
    {
        message.end();
    }

    @Override
    public long token(final Message message)
    {
        return message.token();
    }

    @Override
    public Object attachment(final Message message)
    {
        return message.attachment();
    }

    @Override
    public void messageId(final Claim claim, final long id)
    {
        claim.messageId(id);
    }

    @Override
    public void messageId(final Message message, final long id)
    {
        message.messageId(id);
    }
}
