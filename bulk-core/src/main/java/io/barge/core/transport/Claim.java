package io.barge.core.transport;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A writable buffer claimed on a {@link Sender}: a contiguous virtual range in the sender's address space that the
 * sender fills and then commits or aborts. A reused flyweight: create one with {@link Sender#newClaim()} and pass
 * it to every {@link Sender#tryClaim(int, Claim)}.
 * <p>
 * Writes go through the sender's address space, so a range the sender may not write raises
 * {@link io.barge.core.ProtectionFault}. For a loop over the bytes, {@link #buffer()} is an Agrona buffer over the
 * claimed range whose rights are checked once; each access then costs a bounds check and a store.
 */
public final class Claim
{
    private AddressSpace space;
    private long address;
    private int length;
    private long token;
    private Object attachment;
    private boolean active;
    private long messageId = -1;
    private final ClaimView view = new ClaimView();

    /**
     * Points the claim at a range (through {@link io.barge.core.transport.spi.Flyweights}).
     *
     * @param space      the sender's address space.
     * @param address    first virtual byte.
     * @param length     claimed length.
     * @param token      transport-private value (e.g. a slot or buffer index).
     * @param attachment transport-private object local to the sender's domain, or null.
     */
    void wrap(final AddressSpace space, final long address, final int length, final long token,
        final Object attachment)
    {
        this.space = space;
        this.address = address;
        this.length = length;
        this.token = token;
        this.attachment = attachment;
        this.active = true;
        this.messageId = -1;
        view.invalidate(); // bound lazily by buffer(), against this range
    }

    /**
     * The argument checks every {@link Sender#tryClaim(int, Claim)} makes before it reserves anything.
     *
     * @param length           the requested message length.
     * @param maxMessageLength the sender's largest message.
     * @throws IllegalArgumentException if the length is outside [1, maxMessageLength].
     * @throws BufferStateException     if this claim is still active (neither committed nor aborted).
     */
    void checkClaimable(final int length, final int maxMessageLength)
    {
        if (length < 1 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("length=" + length + " must be in [1, maxMessageLength=" +
                maxMessageLength + "]");
        }
        if (active)
        {
            throw new BufferStateException("claim is still active: commit or abort it before claiming again");
        }
    }

    /**
     * Marks the claim used (committed or aborted).
     */
    void complete()
    {
        checkActive();
        active = false;
        attachment = null;
        view.invalidate();
    }

    /**
     * @return whether the claim is waiting for commit or abort.
     */
    public boolean isActive()
    {
        return active;
    }

    /**
     * @return the claimed length in bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * Shortens the claim before it is committed: the buffer was claimed at the largest size it might need and was
     * filled with less, as a device writes a received frame into a buffer posted before the frame's length was
     * known. The bytes past the new length are not carried. Every transport reads the length at commit, so a
     * shortened claim commits exactly its new length.
     *
     * @param newLength the filled length, in [1, {@link #length()}].
     * @throws BufferStateException     if the claim is not active.
     * @throws IllegalArgumentException if the new length is outside [1, length()].
     */
    public void shrink(final int newLength)
    {
        checkActive();
        if (newLength < 1 || newLength > length)
        {
            throw new IllegalArgumentException("shrink to " + newLength + " outside [1, length=" + length + "]");
        }
        length = newLength;
        view.invalidate(); // a view bound before must not reach past the new end
    }

    /**
     * @return first virtual byte of the claimed range in the sender's space.
     */
    public long address()
    {
        return address;
    }

    /**
     * @return the id the transport gave this claim's message when it was claimed, valid until the next claim: the
     *         id its response names ({@link ResponseHandler#onResponse}); -1 where the transport does not number
     *         messages.
     */
    public long messageId()
    {
        return messageId;
    }

    void messageId(final long id)
    {
        this.messageId = id;
    }

    /**
     * @return transport-private token.
     */
    long token()
    {
        return token;
    }

    /**
     * @return transport-private attachment.
     */
    Object attachment()
    {
        return attachment;
    }

    /**
     * The claimed range as an Agrona buffer: index 0 is the first claimed byte, the capacity is the claimed length,
     * and every get and put of {@link MutableDirectBuffer} works, in either byte order, across page boundaries.
     * The sender's WRITE right is checked on every page once, here; each access then checks only its bounds and
     * that no mapping of the sender's space changed meanwhile. The buffer is one flyweight per claim, reused for
     * every message. After {@link Sender#commit commit} or {@link Sender#abort abort}, or once the channel's
     * mapping of the range is gone (teardown, seen by every access after it: {@link AddressSpace#mappingEpoch()}),
     * any use of it is a {@link BufferStateException}; its
     * {@code wrap(...)} methods are refused ({@link UnsupportedOperationException}).
     *
     * @return the view of the claimed range, the same object on every call.
     * @throws BufferStateException            if the claim is not active, or its range was unmapped under the view.
     * @throws io.barge.core.ProtectionFault   if a page of the range is not writable by the sender.
     */
    public MutableDirectBuffer buffer()
    {
        if (!view.isValid())
        {
            if (view.isRevoked())
            {
                throw new BufferStateException("the claimed range was unmapped under its view (channel torn down?)");
            }
            checkActive();
            view.bind(space, address, length, Access.WRITE, false);
        }
        return view;
    }

    /**
     * @param index    offset in the claim.
     * @param src      source bytes.
     * @param srcIndex first source byte.
     * @param count    bytes.
     */
    public void putBytes(final int index, final DirectBuffer src, final int srcIndex, final int count)
    {
        checkBounds(index, count);
        space.putBytes(address + index, src, srcIndex, count);
    }

    /**
     * @param index 8-byte aligned offset in the claim.
     * @param value little-endian word.
     */
    public void putLong(final int index, final long value)
    {
        checkBounds(index, 8);
        space.putLong(address + index, value);
    }

    /**
     * @param index offset in the claim.
     * @param value the byte.
     */
    public void putByte(final int index, final byte value)
    {
        checkBounds(index, 1);
        space.putByte(address + index, value);
    }

    /**
     * @param index offset in the claim.
     * @param count bytes.
     * @param value fill byte.
     */
    public void setMemory(final int index, final int count, final byte value)
    {
        checkBounds(index, count);
        space.setMemory(address + index, count, value);
    }

    private void checkBounds(final int index, final int count)
    {
        checkActive();
        if (index < 0 || count < 0 || index > length - count)
        {
            throw new IndexOutOfBoundsException("index=" + index + " count=" + count + " length=" + length);
        }
    }

    private void checkActive()
    {
        if (!active)
        {
            throw new BufferStateException("claim is not active (already committed or aborted)");
        }
    }
}
