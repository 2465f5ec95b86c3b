package io.barge.drivers.nic;

import org.agrona.BitUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One direction of a cable: frames a transmitter (a NIC or a traffic generator) puts on it and a receiver (a NIC or
 * a sink) takes off, in order. A frame on the wire is its payload followed by a 4-byte CRC32C trailer (little
 * endian) over the payload. The link enforces its MTU (largest payload) and its rate: a token bucket of
 * {@code burstBytes} refilled at {@code bitsPerSecond} on an injected clock; {@link #UNLIMITED} turns it off.
 * Credit counts the wire bytes (payload and trailer) times eight; framing overheads such as preamble and gaps are
 * not modelled.
 * <p>
 * Thread safety: one transmitter thread and one receiver thread (an Agrona one-to-one ring is the medium). The
 * token bucket belongs to the transmitter. Steady-state transmit and receive allocate nothing.
 */
public final class Link
{
    /** Rate that means "no limit". */
    public static final long UNLIMITED = 0;
    /** Bytes of the CRC32C trailer. */
    public static final int CRC_LENGTH = 4;
    /** Message type of a frame in the medium. */
    static final int FRAME_TYPE = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final String name;
    private final int mtu;
    private final long bitsPerSecond;
    private final NanoClock clock;
    private final OneToOneRingBuffer medium;
    private final long burstCredit;
    private final long fillNanos;
    private long credit;
    private long lastRefillNanos;

    /**
     * @param name          for errors.
     * @param mtu           largest payload, at least 1.
     * @param bitsPerSecond rate, or {@link #UNLIMITED}.
     * @param burstBytes    bucket depth in wire bytes; at least one MTU frame with its trailer.
     * @param capacity      bytes of frames in flight on the medium, a power of two.
     * @param clock         time for the token bucket (a manual clock in tests).
     */
    public Link(
        final String name, final int mtu, final long bitsPerSecond, final int burstBytes, final int capacity,
        final NanoClock clock)
    {
        if (mtu < 1 || mtu > NicDescriptor.MAX_FIELD)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " outside [1, " + NicDescriptor.MAX_FIELD + "]");
        }
        if (bitsPerSecond < 0)
        {
            throw new IllegalArgumentException("bitsPerSecond=" + bitsPerSecond + " is negative");
        }
        if (burstBytes < mtu + CRC_LENGTH || burstBytes > (1 << 24))
        {
            throw new IllegalArgumentException("burstBytes=" + burstBytes + " outside [mtu + " + CRC_LENGTH + "=" +
                (mtu + CRC_LENGTH) + ", " + (1 << 24) + "]");
        }
        if (!BitUtil.isPowerOfTwo(capacity) || capacity / 8 < mtu + CRC_LENGTH)
        {
            throw new IllegalArgumentException("capacity=" + capacity + " must be a power of two of at least 8 " +
                "MTU frames (" + 8 * (mtu + CRC_LENGTH) + ")");
        }
        this.name = name;
        this.mtu = mtu;
        this.bitsPerSecond = bitsPerSecond;
        this.clock = clock;
        this.medium = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        // Credit is in bit-nanoseconds-per-second so that refills stay integral: one wire bit costs 10^9.
        this.burstCredit = burstBytes * 8L * NANOS_PER_SECOND;
        this.fillNanos = bitsPerSecond == UNLIMITED ? 0 : burstCredit / bitsPerSecond + 1;
        this.credit = burstCredit;
        this.lastRefillNanos = clock.nanoTime();
    }

    /**
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return largest payload.
     */
    public int mtu()
    {
        return mtu;
    }

    /**
     * @return the rate in bits per second, or {@link #UNLIMITED}.
     */
    public long bitsPerSecond()
    {
        return bitsPerSecond;
    }

    /**
     * Transmitter: whether the bucket holds credit for a frame of {@code wireLength} bytes now (refilled first).
     *
     * @param wireLength payload plus trailer.
     * @return true if {@link #commit} of such a frame would be within the rate.
     */
    public boolean hasCredit(final int wireLength)
    {
        if (bitsPerSecond == UNLIMITED)
        {
            return true;
        }
        final long now = clock.nanoTime();
        final long elapsed = now - lastRefillNanos;
        if (elapsed > 0)
        {
            // Past fillNanos the bucket is full anyway; capping first keeps elapsed * rate from overflowing.
            final long refill = Math.min(elapsed, fillNanos) * bitsPerSecond;
            credit = Math.min(burstCredit, credit + refill);
            lastRefillNanos = now;
        }
        return credit >= wireLength * 8L * NANOS_PER_SECOND;
    }

    /**
     * Transmitter: claims room for a frame on the medium.
     *
     * @param wireLength payload plus trailer.
     * @return the index in {@link #buffer()} to write the frame at, or a negative value if the medium is full.
     * @throws IllegalArgumentException if the payload is empty or longer than the MTU.
     */
    public int tryClaim(final int wireLength)
    {
        if (wireLength <= CRC_LENGTH || wireLength > mtu + CRC_LENGTH)
        {
            throw new IllegalArgumentException("wire frame of " + wireLength + " bytes on link " + name +
                ": payload must be in [1, mtu=" + mtu + "]");
        }
        return medium.tryClaim(FRAME_TYPE, wireLength);
    }

    /**
     * Transmitter: the claimed frame is written; it goes on the wire and its credit is spent.
     *
     * @param index      from {@link #tryClaim}.
     * @param wireLength the length claimed.
     */
    public void commit(final int index, final int wireLength)
    {
        medium.commit(index);
        if (bitsPerSecond != UNLIMITED)
        {
            credit -= wireLength * 8L * NANOS_PER_SECOND;
        }
    }

    /**
     * Transmitter: gives a claim back (nothing goes on the wire, no credit is spent).
     *
     * @param index from {@link #tryClaim}.
     */
    public void abort(final int index)
    {
        medium.abort(index);
    }

    /**
     * @return the medium's bytes, where claimed frames are written and received frames read.
     */
    public UnsafeBuffer buffer()
    {
        return (UnsafeBuffer)medium.buffer();
    }

    /**
     * Receiver: hands up to {@code limit} wire frames (payload and trailer) to the handler, in order.
     *
     * @param handler called with the medium's buffer, the frame's index and its wire length.
     * @param limit   most frames.
     * @return frames handed over.
     */
    public int receive(final MessageHandler handler, final int limit)
    {
        return medium.read(handler, limit);
    }

    /**
     * @return bytes on the medium not yet received.
     */
    public int bytesInFlight()
    {
        return medium.size();
    }

    /**
     * A CRC32C engine over one link's medium, for one thread (transmitter or receiver): it keeps its own view of
     * the medium's memory so that computing allocates nothing.
     */
    static final class Crc
    {
        private final CRC32C crc = new CRC32C();
        private final ByteBuffer view;

        Crc(final Link link)
        {
            this.view = link.buffer().byteBuffer().duplicate();
        }

        int compute(final int index, final int length)
        {
            view.clear();
            view.position(index).limit(index + length);
            crc.reset();
            crc.update(view);
            return (int)crc.getValue();
        }

        void append(final UnsafeBuffer buffer, final int index, final int payloadLength)
        {
            buffer.putInt(index + payloadLength, compute(index, payloadLength), NicDescriptor.ORDER);
        }

        boolean check(final UnsafeBuffer buffer, final int index, final int payloadLength)
        {
            return buffer.getInt(index + payloadLength, NicDescriptor.ORDER) == compute(index, payloadLength);
        }
    }
}
