package io.barge.drivers.nic;

/**
 * Told of each completion of a {@link NicDriver} for foreign buffers ({@link NicDriver#forForeignBuffers}): buffers
 * the driver did not allocate (a guest's granted page, a slot of an rbufs data area, an fbuf), posted with a cookie
 * that names them to their owner. Each posted cookie is reported exactly once: when the device completes its
 * descriptor, when the driver rejects the device's write-back, or when the driver closes first.
 * <p>
 * Error values are the device's {@code NicDescriptor.ERROR_*} codes, {@link NicDescriptor#ERROR_NONE} for success,
 * or the driver's own {@link #ERROR_REJECTED} and {@link #ERROR_CANCELLED}. After any call the device no longer
 * reaches the buffer: its owner may unpin and reuse it.
 */
public interface NicCompletionHandler
{
    /** The driver rejected the device's write-back for this buffer (never posted, twice, too long): counted. */
    int ERROR_REJECTED = 0x100;
    /** The driver closed (or its domain died) before the device completed this buffer. */
    int ERROR_CANCELLED = 0x101;

    /**
     * @param cookie the cookie given to {@link NicDriver#postTx}.
     * @param error  {@link NicDescriptor#ERROR_NONE} if the frame went on the wire, else why not.
     */
    void onTxDone(long cookie, int error);

    /**
     * @param cookie the cookie given to {@link NicDriver#postRx}.
     * @param length bytes the device wrote (0 on error), at most the posted capacity.
     * @param error  {@link NicDescriptor#ERROR_NONE} if a frame was received into the buffer, else why not.
     */
    void onRxDone(long cookie, int length, int error);
}
