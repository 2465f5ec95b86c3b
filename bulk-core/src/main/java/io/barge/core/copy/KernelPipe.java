package io.barge.core.copy;

import io.barge.core.AddressSpace;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.Rights;
import io.barge.core.transport.Message;
import io.barge.core.transport.spi.EndSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The kernel buffer of a copy channel: a byte ring in frames the kernel owns, mapped only in the kernel's domain.
 * <p>
 * Record layout (8-byte aligned):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Length (32) [KERNEL]                   |
 *  +---------------------------------------------------------------+
 *  |                        Type (32) [KERNEL]                     |
 *  +---------------------------------------------------------------+
 *  |                        Payload ...                           ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Both indices are kernel state, not shared with either domain: the head is advanced by the sender's copy-in system
 * call, the tail by the receiver's copy-out system call, each on its own thread, so they sit on separate padded
 * objects and are published with release stores.
 */
final class KernelPipe
{
    static final int HEADER_LENGTH = 8;
    static final int TYPE_DATA = 1;
    static final int TYPE_PAD = 2;
    static final int ALIGNMENT = 8;
    static final int MIN_CAPACITY = 64 * 1024;

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static
    {
        try
        {
            HEAD = MethodHandles.lookup().findVarHandle(Head.class, "value", long.class);
            TAIL = MethodHandles.lookup().findVarHandle(Tail.class, "value", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Kernel kernel;
    private final Domain kernelDomain;
    private final AddressSpace space;
    private final long address;
    private final int capacity;
    private final int mask;
    private final int[] frames;
    private final Head head = new Head();
    private final Tail tail = new Tail();

    /**
     * @param kernel           the kernel whose frames hold the pipe.
     * @param maxMessageLength largest message.
     * @param messages         messages the pipe must hold at once, whatever their lengths: room for one more
     *                         largest record covers the padding at the end of the ring.
     */
    KernelPipe(final Kernel kernel, final int maxMessageLength, final int messages)
    {
        this.kernel = kernel;
        this.kernelDomain = kernel.kernelDomain();
        this.space = kernelDomain.addressSpace();
        final long record = align(HEADER_LENGTH + maxMessageLength);
        final long need = (messages + 1L) * record;
        if (need > 1L << 30)
        {
            throw new IllegalArgumentException("copy open: a kernel pipe for capacity=" + messages + " messages of " +
                maxMessageLength + " bytes would exceed 1 GiB");
        }
        this.capacity = (int)Math.max(MIN_CAPACITY, Long.highestOneBit(need - 1) << 1);
        this.mask = capacity - 1;
        final int pageSize = kernel.memory().frameSize();
        final int pages = Math.max(1, capacity / pageSize);
        this.frames = new int[pages];
        kernel.allocateFrames(kernelDomain, pages, true, frames);
        this.address = kernel.reserve(kernelDomain, pages);
        for (int i = 0; i < pages; i++)
        {
            kernel.map(kernelDomain, address + (long)i * pageSize, frames[i], Rights.READ_WRITE);
        }
    }

    static int align(final int length)
    {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * Sender side: whether a record of {@code length} payload bytes fits now.
     */
    boolean hasRoom(final int length)
    {
        final long h = head.value;
        final int need = spaceNeeded(h, length);
        if (h + need - head.cachedTail <= capacity)
        {
            return true;
        }
        head.cachedTail = (long)TAIL.getAcquire(tail);
        return h + need - head.cachedTail <= capacity;
    }

    private int spaceNeeded(final long h, final int length)
    {
        final int record = align(HEADER_LENGTH + length);
        final int toEnd = capacity - (int)(h & mask);
        return record <= toEnd ? record : toEnd + record;
    }

    /**
     * Sender side: copies a message in from the sender's space (counted on the sender) and publishes it.
     * The caller has checked {@link #hasRoom(int)}.
     */
    void copyIn(final Domain sender, final long srcAddress, final int length)
    {
        final int record = align(HEADER_LENGTH + length);
        final long start = startRecord(record);
        kernel.copy(sender, sender, srcAddress, kernelDomain, address + (int)(start & mask) + HEADER_LENGTH, length);
        publish(start, record, length);
    }

    /**
     * Sender side, forwarding: copies a received message in piece by piece straight from where it arrived (one
     * copy per byte, as a classic IPC forwarder pays) and publishes it. The caller has checked {@link #hasRoom(int)}
     * for {@code message.length()}.
     */
    void copyIn(final Domain sender, final Message message)
    {
        final int length = message.length();
        final int record = align(HEADER_LENGTH + length);
        final long start = startRecord(record);
        EndSupport.copyPieces(kernel, sender, message, kernelDomain, address + (int)(start & mask) + HEADER_LENGTH);
        publish(start, record, length);
    }

    /**
     * Pads to the end of the ring when a record of {@code record} bytes would cross it.
     *
     * @return the head position at which the record starts.
     */
    private long startRecord(final int record)
    {
        final long h = head.value;
        final int index = (int)(h & mask);
        final int toEnd = capacity - index;
        if (record > toEnd)
        {
            space.putLong(address + index, ((long)TYPE_PAD << 32) | toEnd);
            return h + toEnd;
        }
        return h;
    }

    private void publish(final long start, final int record, final int length)
    {
        space.putLong(address + (int)(start & mask), ((long)TYPE_DATA << 32) | length);
        // Release: the receiver's copy-out that acquires the head sees the record and its bytes.
        HEAD.setRelease(head, start + record);
    }

    /**
     * Receiver side: copies the next message out to the receiver's space (counted on the receiver) and frees its
     * room. The notification said {@code notifiedLength}; the kernel's own record must agree.
     *
     * @return the length copied.
     */
    int copyOut(final Domain receiver, final long dstAddress, final int dstCapacity, final int notifiedLength)
    {
        long t = tail.value;
        final long h = (long)HEAD.getAcquire(head);
        if (h == t)
        {
            throw new ProtocolViolationException("notified a message of length=" + notifiedLength +
                " but the kernel pipe is empty");
        }
        long word = space.getLong(address + (t & mask));
        if ((int)(word >>> 32) == TYPE_PAD)
        {
            t += (int)word;
            word = space.getLong(address + (t & mask));
        }
        final int length = (int)word;
        if (length != notifiedLength || length > dstCapacity)
        {
            throw new ProtocolViolationException("notified length=" + notifiedLength +
                " disagrees with the kernel record length=" + length);
        }
        kernel.copy(receiver, kernelDomain, address + (t & mask) + HEADER_LENGTH, receiver, dstAddress, length);
        // Release: the sender that acquires the tail may reuse the room only after the copy-out read it.
        TAIL.setRelease(tail, t + align(HEADER_LENGTH + length));
        return length;
    }

    int capacity()
    {
        return capacity;
    }

    void free()
    {
        final int pageSize = kernel.memory().frameSize();
        for (int i = 0; i < frames.length; i++)
        {
            kernel.unmap(kernelDomain, address + (long)i * pageSize);
            kernel.freeFrame(kernelDomain, frames[i]);
        }
        kernel.unreserve(kernelDomain, address, frames.length);
    }

    // Padding keeps the sender's and receiver's indices on different cache lines.
    @SuppressWarnings("unused")
    abstract static class Pad
    {
        long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    static final class Head extends Pad
    {
        volatile long value;
        /** The sender's last view of the tail: re-read only when the pipe looks full. */
        long cachedTail;
        @SuppressWarnings("unused")
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14;
    }

    static final class Tail extends Pad
    {
        volatile long value;
        @SuppressWarnings("unused")
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
    }
}
