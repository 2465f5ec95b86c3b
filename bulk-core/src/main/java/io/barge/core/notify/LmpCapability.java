package io.barge.core.notify;

/**
 * The capability slot of a received LMP message: a flyweight the endpoint refills for each message, so copy what
 * you keep. The values come from the kernel's entry, not from the sender.
 */
public final class LmpCapability
{
    int frame = LmpDescriptor.NO_FRAME;
    FrameTransfer kind;
    int rights;
    long address;

    /**
     * @return whether the message carried a frame.
     */
    public boolean isPresent()
    {
        return frame != LmpDescriptor.NO_FRAME;
    }

    /**
     * @return the frame number, or {@link LmpDescriptor#NO_FRAME}.
     */
    public int frame()
    {
        return frame;
    }

    /**
     * @return how it was passed, or null if none.
     */
    public FrameTransfer kind()
    {
        return kind;
    }

    /**
     * @return the rights of the receiver's mapping ({@link io.barge.core.Rights}).
     */
    public int rights()
    {
        return rights;
    }

    /**
     * @return where the kernel mapped the frame in the receiver (one page reserved for it).
     */
    public long address()
    {
        return address;
    }

    @Override
    public String toString()
    {
        return isPresent() ? "LmpCapability[frame=" + frame + ", " + kind + ", address=0x" +
            Long.toHexString(address) + "]" : "LmpCapability[none]";
    }
}
