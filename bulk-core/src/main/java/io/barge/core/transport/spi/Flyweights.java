package io.barge.core.transport.spi;

import io.barge.core.AddressSpace;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;

/**
 * What a transport implementation does to the user's flyweights: point a {@link Claim} at a claimed range and mark
 * it used, fill a {@link Message} with pieces and mark it released, and keep a transport-private token and
 * attachment on each. Kept here, away from the user's view of {@code Claim} and {@code Message}, so that a user
 * cannot, say, end a message the transport still tracks (as Aeron keeps its driver behind the client API).
 * <p>
 * Every method is a static call that the JIT inlines: the bridge to the flyweights' package-private state is a
 * constant.
 */
public final class Flyweights
{
    private static final Access ACCESS = loadAccess();

    private Flyweights()
    {
    }

    /**
     * The package-private operations of {@link Claim} and {@link Message}, implemented once inside their package.
     * Not for implementation elsewhere.
     */
    public interface Access
    {
        /**
         * See {@link Flyweights#wrap(Claim, AddressSpace, long, int, long, Object)}.
         *
         * @param claim      the claim.
         * @param space      the sender's space.
         * @param address    first virtual byte.
         * @param length     claimed length.
         * @param token      transport-private value.
         * @param attachment transport-private object.
         */
        void wrap(Claim claim, AddressSpace space, long address, int length, long token, Object attachment);

        /**
         * @param claim the claim.
         * @param length requested length.
         * @param maxMessageLength the sender's largest message.
         */
        void checkClaimable(Claim claim, int length, int maxMessageLength);

        /**
         * @param claim the claim.
         */
        void complete(Claim claim);

        /**
         * @param claim the claim.
         * @return its token.
         */
        long token(Claim claim);

        /**
         * @param claim the claim.
         * @return its attachment.
         */
        Object attachment(Claim claim);

        /**
         * @param message     the message.
         * @param source      the receiver delivering it.
         * @param space       the receiver's space.
         * @param token       transport-private value.
         * @param attachment  transport-private object.
         * @param zeroOnFault whether unreadable bytes read as zeros.
         */
        void begin(Message message, Receiver source, AddressSpace space, long token, Object attachment,
            boolean zeroOnFault);

        /**
         * @param message     the message.
         * @param address     first virtual byte.
         * @param pieceLength bytes.
         */
        void addPiece(Message message, long address, int pieceLength);

        /**
         * @param message the message.
         */
        void end(Message message);

        /**
         * @param message the message.
         * @return its token.
         */
        long token(Message message);

        /**
         * @param message the message.
         * @return its attachment.
         */
        Object attachment(Message message);

        /**
         * @param claim the claim.
         * @param id    its message id.
         */
        void messageId(Claim claim, long id);

        /**
         * @param message the message.
         * @param id      its message id.
         */
        void messageId(Message message, long id);
    }

    /**
     * Points a claim at a range of the sender's space and makes it active.
     *
     * @param claim      the user's flyweight.
     * @param space      the sender's address space.
     * @param address    first virtual byte.
     * @param length     claimed length.
     * @param token      transport-private value (e.g. a slot or buffer index).
     * @param attachment transport-private object local to the sender's domain, or null.
     */
    public static void wrap(final Claim claim, final AddressSpace space, final long address, final int length,
        final long token, final Object attachment)
    {
        ACCESS.wrap(claim, space, address, length, token, attachment);
    }

    /**
     * The argument checks every {@code tryClaim} makes before it reserves anything.
     *
     * @param claim            the user's flyweight.
     * @param length           the requested message length.
     * @param maxMessageLength the sender's largest message.
     * @throws IllegalArgumentException            if the length is outside [1, maxMessageLength].
     * @throws io.barge.core.BufferStateException if the claim is still active.
     */
    public static void checkClaimable(final Claim claim, final int length, final int maxMessageLength)
    {
        ACCESS.checkClaimable(claim, length, maxMessageLength);
    }

    /**
     * Marks a claim used (committed or aborted).
     *
     * @param claim an active claim.
     * @throws io.barge.core.BufferStateException if it is not active.
     */
    public static void complete(final Claim claim)
    {
        ACCESS.complete(claim);
    }

    /**
     * @param claim a claim.
     * @return the token its transport stored.
     */
    public static long token(final Claim claim)
    {
        return ACCESS.token(claim);
    }

    /**
     * @param claim a claim.
     * @return the attachment its transport stored, or null.
     */
    public static Object attachment(final Claim claim)
    {
        return ACCESS.attachment(claim);
    }

    /**
     * Starts filling a message and marks it held.
     *
     * @param message     the user's flyweight, not held.
     * @param source      the receiver delivering it.
     * @param space       the receiver's address space.
     * @param token       transport-private value.
     * @param attachment  transport-private object local to the receiver's domain, or null.
     * @param zeroOnFault whether unreadable bytes read as zeros.
     * @throws io.barge.core.BufferStateException if the message is still held.
     */
    public static void begin(final Message message, final Receiver source, final AddressSpace space,
        final long token, final Object attachment, final boolean zeroOnFault)
    {
        ACCESS.begin(message, source, space, token, attachment, zeroOnFault);
    }

    /**
     * Appends a piece to a message being filled.
     *
     * @param message     the message.
     * @param address     first virtual byte in the receiver's space.
     * @param pieceLength bytes.
     */
    public static void addPiece(final Message message, final long address, final int pieceLength)
    {
        ACCESS.addPiece(message, address, pieceLength);
    }

    /**
     * Marks a message released.
     *
     * @param message a held message.
     * @throws io.barge.core.BufferStateException if it was not held (a double release).
     */
    public static void end(final Message message)
    {
        ACCESS.end(message);
    }

    /**
     * @param message a message.
     * @return the token its transport stored.
     */
    public static long token(final Message message)
    {
        return ACCESS.token(message);
    }

    /**
     * @param message a message.
     * @return the attachment its transport stored, or null.
     */
    public static Object attachment(final Message message)
    {
        return ACCESS.attachment(message);
    }

    /**
     * Numbers a claim's message (after {@link #wrap}, which resets the id to -1).
     *
     * @param claim an active claim.
     * @param id    the id its response will name.
     */
    public static void messageId(final Claim claim, final long id)
    {
        ACCESS.messageId(claim, id);
    }

    /**
     * Numbers a delivered message (after {@link #begin}, which resets the id to -1).
     *
     * @param message a held message.
     * @param id      the transport's id for it.
     */
    public static void messageId(final Message message, final long id)
    {
        ACCESS.messageId(message, id);
    }

    // The bridge class is package-private in io.barge.core.transport so that users cannot reach it; on the class
    // path (the unnamed module) reflection may open it for this one class.
    private static Access loadAccess()
    {
        try
        {
            final Class<?> type = Class.forName("io.barge.core.transport.FlyweightAccess", true,
                Flyweights.class.getClassLoader());
            final java.lang.reflect.Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return (Access)constructor.newInstance();
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }
}
