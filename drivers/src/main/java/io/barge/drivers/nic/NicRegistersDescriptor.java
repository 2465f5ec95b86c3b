package io.barge.drivers.nic;

import org.agrona.concurrent.AtomicBuffer;

/**
 * The NIC's register page: one frame the kernel owns for the device (its MMIO window) and maps read-write into the
 * attached driver domain. The device reaches it by frame number; the driver through its mapping. Each doorbell is a
 * 64-bit position on a cache-line pair of its own, so the driver's and the device's stores never share a line.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                         Magic  [DEVICE]                       |   0
 *  +---------------------------------------------------------------+
 *  |                        Version  [DEVICE]                      |   4
 *  +---------------------------------------------------------------+
 *  |                          MTU  [DEVICE]                        |   8
 *  +---------------------------------------------------------------+
 *  |                        Status  [DEVICE]                       |  12
 *  +---------------------------------------------------------------+
 *  |                        Control  [DRIVER]                      |  16
 *  +---------------------------------------------------------------+
 *  |                     TX Ring Size  [DRIVER]                    |  20
 *  +---------------------------------------------------------------+
 *  |                    TX Ring Frame  [DRIVER]                    |  24
 *  +---------------------------------------------------------------+
 *  |                     RX Ring Size  [DRIVER]                    |  28
 *  +---------------------------------------------------------------+
 *  |                    RX Ring Frame  [DRIVER]                    |  32
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |                  TX Tail  [DRIVER], 64 bits                   | 128
 *  +---------------------------------------------------------------+
 *  |                  TX Head  [DEVICE], 64 bits                   | 256
 *  +---------------------------------------------------------------+
 *  |                  RX Tail  [DRIVER], 64 bits                   | 384
 *  +---------------------------------------------------------------+
 *  |                  RX Head  [DEVICE], 64 bits                   | 512
 *  +---------------------------------------------------------------+
 * </pre>
 * Bring-up protocol:
 * <ol>
 * <li>The device writes Magic, Version and MTU when it is reset (attach); the driver checks Magic and Version.</li>
 * <li>The driver writes the ring sizes and first frames, then sets {@link #CONTROL_ENABLE} with a release store;
 *     the device's acquire of Control sees the ring configuration, which it copies once and validates (a bad one
 *     sets {@link #STATUS_CONFIG_ERROR} and the device stays disabled).</li>
 * <li>Tails are written only by the driver, with release stores after the descriptors they publish; heads only by
 *     the device, with release stores after the write-backs they publish. Each side reads the other's doorbell with
 *     an acquire load, copies it and checks it against its own position before use.</li>
 * </ol>
 */
public final class NicRegistersDescriptor
{
    /** "BNIC" in ASCII. */
    public static final int MAGIC = 0x43494E42;
    /** Layout version. */
    public static final int VERSION = 1;

    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the link MTU (largest payload). */
    public static final int MTU_OFFSET = 8;
    /** Offset of the status bits. */
    public static final int STATUS_OFFSET = 12;
    /** Offset of the control bits. */
    public static final int CONTROL_OFFSET = 16;
    /** Offset of the TX ring size. */
    public static final int TX_RING_SIZE_OFFSET = 20;
    /** Offset of the TX ring's first frame. */
    public static final int TX_RING_FRAME_OFFSET = 24;
    /** Offset of the RX ring size. */
    public static final int RX_RING_SIZE_OFFSET = 28;
    /** Offset of the RX ring's first frame. */
    public static final int RX_RING_FRAME_OFFSET = 32;
    /** Offset of the TX tail doorbell. */
    public static final int TX_TAIL_OFFSET = 128;
    /** Offset of the TX head. */
    public static final int TX_HEAD_OFFSET = 256;
    /** Offset of the RX tail doorbell. */
    public static final int RX_TAIL_OFFSET = 384;
    /** Offset of the RX head. */
    public static final int RX_HEAD_OFFSET = 512;
    /** Bytes in use. */
    public static final int LENGTH = 640;

    /** Control bit: the driver has programmed the rings; start. */
    public static final int CONTROL_ENABLE = 0x1;
    /** Status bit: the device runs with the rings it was given. */
    public static final int STATUS_ENABLED = 0x1;
    /** Status bit: the ring configuration was refused. */
    public static final int STATUS_CONFIG_ERROR = 0x2;
    /** Status bit: a ring frame stopped being reachable by DMA; the device stopped. */
    public static final int STATUS_RING_FAULT = 0x4;

    private NicRegistersDescriptor()
    {
    }

    /**
     * Resets the page as the device does on attach: zeroes, then the identity and the MTU.
     *
     * @param regs the register page.
     * @param mtu  the link's MTU.
     */
    public static void reset(final AtomicBuffer regs, final int mtu)
    {
        regs.setMemory(0, LENGTH, (byte)0);
        regs.putInt(MAGIC_OFFSET, MAGIC);
        regs.putInt(VERSION_OFFSET, VERSION);
        regs.putInt(MTU_OFFSET, mtu);
        regs.putIntRelease(STATUS_OFFSET, 0);
    }

    /**
     * @param regs the register page.
     * @throws IllegalStateException if the page does not hold this layout.
     */
    public static void checkIdentity(final AtomicBuffer regs)
    {
        final int magic = regs.getIntAcquire(MAGIC_OFFSET);
        final int version = regs.getInt(VERSION_OFFSET);
        if (magic != MAGIC || version != VERSION)
        {
            throw new IllegalStateException("register page magic=0x" + Integer.toHexString(magic) + " version=" +
                version + ", expected magic=0x" + Integer.toHexString(MAGIC) + " version=" + VERSION);
        }
    }

    /**
     * @param regs the register page.
     * @return the MTU.
     */
    public static int mtu(final AtomicBuffer regs)
    {
        return regs.getInt(MTU_OFFSET);
    }

    /**
     * @param regs the register page.
     * @return the status bits, acquired.
     */
    public static int statusAcquire(final AtomicBuffer regs)
    {
        return regs.getIntAcquire(STATUS_OFFSET);
    }

    /**
     * @param regs  the register page.
     * @param value status bits, released after whatever the device wrote before.
     */
    public static void statusRelease(final AtomicBuffer regs, final int value)
    {
        regs.putIntRelease(STATUS_OFFSET, value);
    }

    /**
     * @param regs the register page.
     * @return the control bits, acquired: a set ENABLE makes the ring configuration visible.
     */
    public static int controlAcquire(final AtomicBuffer regs)
    {
        return regs.getIntAcquire(CONTROL_OFFSET);
    }

    /**
     * Programs the rings and enables the device (driver side).
     *
     * @param regs        the register page.
     * @param txRingSize  TX descriptors.
     * @param txRingFrame first TX ring frame.
     * @param rxRingSize  RX descriptors.
     * @param rxRingFrame first RX ring frame.
     */
    public static void enable(
        final AtomicBuffer regs, final int txRingSize, final int txRingFrame, final int rxRingSize,
        final int rxRingFrame)
    {
        regs.putInt(TX_RING_SIZE_OFFSET, txRingSize);
        regs.putInt(TX_RING_FRAME_OFFSET, txRingFrame);
        regs.putInt(RX_RING_SIZE_OFFSET, rxRingSize);
        regs.putInt(RX_RING_FRAME_OFFSET, rxRingFrame);
        // Release: the device that acquires ENABLE sees the ring configuration above.
        regs.putIntRelease(CONTROL_OFFSET, CONTROL_ENABLE);
    }

    /**
     * @param regs the register page.
     * @return the TX ring size the driver programmed.
     */
    public static int txRingSize(final AtomicBuffer regs)
    {
        return regs.getInt(TX_RING_SIZE_OFFSET);
    }

    /**
     * @param regs the register page.
     * @return the TX ring's first frame.
     */
    public static int txRingFrame(final AtomicBuffer regs)
    {
        return regs.getInt(TX_RING_FRAME_OFFSET);
    }

    /**
     * @param regs the register page.
     * @return the RX ring size the driver programmed.
     */
    public static int rxRingSize(final AtomicBuffer regs)
    {
        return regs.getInt(RX_RING_SIZE_OFFSET);
    }

    /**
     * @param regs the register page.
     * @return the RX ring's first frame.
     */
    public static int rxRingFrame(final AtomicBuffer regs)
    {
        return regs.getInt(RX_RING_FRAME_OFFSET);
    }

    /**
     * @param regs the register page.
     * @return the TX tail, acquired: descriptors before it are visible.
     */
    public static long txTailAcquire(final AtomicBuffer regs)
    {
        return regs.getLongAcquire(TX_TAIL_OFFSET);
    }

    /**
     * @param regs  the register page.
     * @param value new TX tail, released after the descriptors it publishes.
     */
    public static void txTailRelease(final AtomicBuffer regs, final long value)
    {
        regs.putLongRelease(TX_TAIL_OFFSET, value);
    }

    /**
     * @param regs the register page.
     * @return the TX head, acquired: write-backs before it are visible.
     */
    public static long txHeadAcquire(final AtomicBuffer regs)
    {
        return regs.getLongAcquire(TX_HEAD_OFFSET);
    }

    /**
     * @param regs  the register page.
     * @param value new TX head, released after the write-backs it publishes.
     */
    public static void txHeadRelease(final AtomicBuffer regs, final long value)
    {
        regs.putLongRelease(TX_HEAD_OFFSET, value);
    }

    /**
     * @param regs the register page.
     * @return the RX tail, acquired: posted descriptors before it are visible.
     */
    public static long rxTailAcquire(final AtomicBuffer regs)
    {
        return regs.getLongAcquire(RX_TAIL_OFFSET);
    }

    /**
     * @param regs  the register page.
     * @param value new RX tail, released after the descriptors it posts.
     */
    public static void rxTailRelease(final AtomicBuffer regs, final long value)
    {
        regs.putLongRelease(RX_TAIL_OFFSET, value);
    }

    /**
     * @param regs the register page.
     * @return the RX head, acquired: write-backs before it are visible.
     */
    public static long rxHeadAcquire(final AtomicBuffer regs)
    {
        return regs.getLongAcquire(RX_HEAD_OFFSET);
    }

    /**
     * @param regs  the register page.
     * @param value new RX head, released after the write-backs it publishes.
     */
    public static void rxHeadRelease(final AtomicBuffer regs, final long value)
    {
        regs.putLongRelease(RX_HEAD_OFFSET, value);
    }
}
