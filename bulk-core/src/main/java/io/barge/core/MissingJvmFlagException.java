package io.barge.core;

/**
 * The JVM was started without a flag Barge needs, so the machine cannot be built. The message names the flag to
 * add and where (plain {@code java}, Maven surefire, Maven exec). Raised by {@link JvmFlags#checkAgronaAccess()}
 * before Agrona first touches {@code jdk.internal.misc}, instead of Agrona's {@link IllegalAccessError} from deep
 * inside a buffer constructor.
 */
public final class MissingJvmFlagException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is missing and the flag that supplies it.
     */
    public MissingJvmFlagException(final String message)
    {
        super(message);
    }
}
