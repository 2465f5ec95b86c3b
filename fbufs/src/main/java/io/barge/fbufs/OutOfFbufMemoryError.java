package io.barge.fbufs;

/**
 * An {@link FbufByteBufAllocator} could not give a direct buffer: the request exceeds its I/O path's budget, or the
 * path, the fbuf region or physical memory is exhausted. The counterpart of Netty's {@code OutOfDirectMemoryError}
 * (an {@link OutOfMemoryError}, so Netty code that handles that handles this); other paths are unaffected and nothing
 * was allocated.
 */
public final class OutOfFbufMemoryError extends OutOfMemoryError
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was asked for and what the path holds.
     */
    public OutOfFbufMemoryError(final String message)
    {
        super(message);
    }
}
