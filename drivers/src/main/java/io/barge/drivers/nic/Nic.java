package io.barge.drivers.nic;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.Rights;
import io.barge.core.device.DeviceCounters;
import io.barge.core.device.Dma;
import io.barge.core.device.InterruptLine;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import static io.barge.drivers.nic.NicDescriptor.*;

/**
 * The simulated DMA NIC, run as an Agrona {@link Agent} on a thread of its own. Its driver programs it through a
 * register page ({@link NicRegistersDescriptor}) and two descriptor rings ({@link NicDescriptor}) in frames the
 * driver domain owns and pinned; the device reaches rings and buffers only by frame number through its
 * DMA engines ({@link Dma}), which refuse frames that are not pinned.
 * <ul>
 * <li>TX: for each descriptor between its head and the driver's tail it copies the descriptor once, validates the
 *     copy, DMA-reads the buffer straight onto the wire with a CRC32C trailer (within the link's rate), and writes
 *     the descriptor back DONE, or DONE|ERROR on a DMA fault or a bad descriptor (counted).</li>
 * <li>RX: for each frame off the wire it checks length and CRC (a bad one is counted and dropped), DMA-writes the
 *     payload into the next posted buffer (none posted: counted drop, {@link NicCounters#NIC_RX_NO_BUFFER}) and
 *     writes the descriptor back with the length.</li>
 * <li>Interrupts: completions raise the {@link InterruptLine} under count and time coalescing ({@link NicConfig}).
 * </li>
 * </ul>
 * <b>Descriptor fetch.</b> The rings are reached as a real NIC's descriptor engine does, a pass at a time: the first
 * descriptor access of a pass takes one DMA hold on each frame of that ring ({@link Kernel#holdPinnedForDma}, the
 * same check every DMA transfer makes: the frame must be pinned) and the pass ends by dropping it, so descriptors
 * cost the kernel three calls (hold, wrap, release) per ring frame per pass rather than three per descriptor
 * access; a ring frame the driver unpinned is a ring fault at the next pass. Payloads go through the kernel's {@link Dma}
 * engine, one a direction, made to keep its hold: every transfer checked, the hold on a payload frame kept while
 * consecutive transfers reach it in a pass. The device's counters (DMA bytes included) are summed over a pass and added at its end (exact at every pass
 * boundary).
 * <p>
 * A driver {@link #attach}es (the kernel maps the register page into its domain and binds an interrupt line) and
 * detaches; when its domain dies the device is reset before the dead domain's frames are freed, so it never touches
 * them again. The device's state is guarded by one monitor, held for a whole pass of {@link #doWork()}, so that a
 * detach waits for a pass in progress; a pass takes it once.
 */
public final class Nic implements Agent, AutoCloseable
{
    private final Kernel kernel;
    private final String name;
    private final NicConfig config;
    private final NanoClock clock;
    private final Link tx;
    private final Link rx;
    private final int mtu;
    private final int frameSize;
    private final int regFrame;
    private final UnsafeBuffer regs = new UnsafeBuffer(new byte[0]);
    private final Link.Crc txCrc;
    private final Link.Crc rxCrc;
    private final UnsafeBuffer descriptor = new UnsafeBuffer(new byte[NicDescriptor.LENGTH]);
    private final UnsafeBuffer writeBack = new UnsafeBuffer(new byte[NicDescriptor.WRITE_BACK_LENGTH]);
    private final MessageHandler onWireFrame = this::onWireFrame;
    private final Object lock = new Object();

    private Attachment attachment;
    private Domain driver;
    private InterruptLine line;
    private InterruptLine retiredLine;
    private boolean enabled;
    private boolean closed;
    private int txMask;
    private int rxMask;
    private long txHead;
    private long txTail;
    private long rxHead;
    private long rxTail;
    private long badTail = -1;
    private boolean txFetched;
    private int txFrame;
    private int txOffset;
    private int txLength;
    private int unsignalled;
    private long oldestUnsignalledNanos;
    private int rxCompleted;
    private long rxNoBufferDrops;
    private final RingWindow txWindow;
    private final RingWindow rxWindow;
    /** The payload DMA engines of the attached driver, one a direction, each keeping its hold through a pass. */
    private Dma txDma;
    private Dma rxDma;
    private long passTxFrames;
    private long passTxBytes;
    private long passRxFrames;
    private long passRxBytes;
    private long passDmaBytes;

    /**
     * A driver's handle on the device: where the register page is mapped in its domain, its interrupt line, and
     * whether the device has let it go (then the driver must not touch its view of the register page again).
     */
    static final class Attachment
    {
        final long registers;
        final InterruptLine line;
        volatile boolean detached;

        Attachment(final long registers, final InterruptLine line)
        {
            this.registers = registers;
            this.line = line;
        }
    }

    /**
     * @param kernel the machine; the register page is a kernel frame.
     * @param name   for errors and the agent's role.
     * @param port   where the device plugs into a {@link Wire}.
     * @param config coalescing, budget, clock.
     */
    public Nic(final Kernel kernel, final String name, final Wire.Port port, final NicConfig config)
    {
        this.kernel = kernel;
        this.name = name;
        this.config = config;
        this.clock = config.clock();
        this.tx = port.tx();
        this.rx = port.rx();
        this.mtu = port.mtu();
        this.frameSize = kernel.memory().frameSize();
        this.regFrame = kernel.allocateFrame(kernel.kernelDomain(), true);
        kernel.wrapFrame(regs, regFrame);
        NicRegistersDescriptor.reset(regs, mtu);
        this.txCrc = new Link.Crc(tx);
        this.rxCrc = new Link.Crc(rx);
        this.txWindow = new RingWindow(kernel);
        this.rxWindow = new RingWindow(kernel);
    }

    /**
     * @return the link MTU the device enforces.
     */
    public int mtu()
    {
        return mtu;
    }

    @Override
    public String roleName()
    {
        return "nic-" + name;
    }

    Attachment attach(final Domain domain)
    {
        synchronized (lock)
        {
            if (closed)
            {
                throw new IllegalStateException("NIC " + name + " is closed");
            }
            if (attachment != null)
            {
                throw new IllegalStateException("NIC " + name + " already has driver " + driver);
            }
            NicRegistersDescriptor.reset(regs, mtu);
            final long address = kernel.reserve(domain, 1);
            // The kernel owns the register page and consents to its one driver mapping it (the bus set-up acts
            // for both sides, as a channel set-up does).
            final long capability = kernel.offerShare(kernel.kernelDomain(), regFrame, domain, Rights.READ_WRITE);
            kernel.acceptShare(domain, capability, address, Rights.READ_WRITE);
            driver = domain;
            txDma = new Dma(kernel, domain, true);
            rxDma = new Dma(kernel, domain, true);
            line = new InterruptLine(kernel, config.irqLine(), name, domain);
            attachment = new Attachment(address, line);
            resetState();
            return attachment;
        }
    }

    /**
     * Resets the device for a driver that leaves or died: no DMA after this returns (a pass in progress ends
     * first), the interrupt line is closed, the register page is unmapped from a living driver.
     */
    void detach(final Attachment leaving)
    {
        synchronized (lock)
        {
            if (attachment != leaving || leaving == null)
            {
                return;
            }
            line.close();
            // The line's sending end last ran on the device thread: its frames come back when that thread sees
            // the close (LMP's quiescent-state rule), so the next pass closes it again from there.
            retiredLine = line;
            if (driver.isAlive())
            {
                kernel.unmap(driver, leaving.registers);
                kernel.unreserve(driver, leaving.registers, 1);
            }
            leaving.detached = true;
            attachment = null;
            driver = null;
            line = null;
            resetState();
            txDma = null;
            rxDma = null;
            NicRegistersDescriptor.reset(regs, mtu);
        }
    }

    private void resetState()
    {
        if (txWindow != null)
        {
            txWindow.release();
            rxWindow.release();
            txWindow.configure(-1, 0);
            rxWindow.configure(-1, 0);
            if (txDma != null)
            {
                txDma.endPass();
                rxDma.endPass();
            }
        }
        enabled = false;
        txHead = txTail = rxHead = rxTail = 0;
        badTail = -1;
        txFetched = false;
        unsignalled = 0;
        rxCompleted = 0;
    }

    @Override
    public int doWork()
    {
        synchronized (lock)
        {
            if (retiredLine != null)
            {
                retiredLine.close();
                retiredLine = null;
            }
            if (driver == null || (!enabled && !tryEnable()))
            {
                return rx.receive(onWireFrame, config.budget()); // no rings: every frame is a counted drop
            }
            int work = transmit();
            work += rx.receive(onWireFrame, config.budget());
            if (rxCompleted > 0)
            {
                rxCompleted = 0;
                NicRegistersDescriptor.rxHeadRelease(regs, rxHead); // after the write-backs it publishes
            }
            endPass();
            return work + signal();
        }
    }

    /** Drops the pass's ring holds and adds the pass's counts. */
    private void endPass()
    {
        txWindow.release();
        rxWindow.release();
        if (txDma != null)
        {
            txDma.endPass(); // its payload bytes counted, its hold dropped
            rxDma.endPass();
        }
        if (passTxFrames > 0)
        {
            count(NicCounters.NIC_TX_FRAMES, passTxFrames);
            count(NicCounters.NIC_TX_BYTES, passTxBytes);
            passTxFrames = 0;
            passTxBytes = 0;
        }
        if (passRxFrames > 0)
        {
            count(NicCounters.NIC_RX_FRAMES, passRxFrames);
            count(NicCounters.NIC_RX_BYTES, passRxBytes);
            passRxFrames = 0;
            passRxBytes = 0;
        }
        if (passDmaBytes > 0)
        {
            count(DeviceCounters.DMA_BYTES, passDmaBytes);
            passDmaBytes = 0;
        }
    }

    private boolean tryEnable()
    {
        if ((NicRegistersDescriptor.controlAcquire(regs) & NicRegistersDescriptor.CONTROL_ENABLE) == 0 ||
            (NicRegistersDescriptor.statusAcquire(regs) & NicRegistersDescriptor.STATUS_CONFIG_ERROR) != 0)
        {
            return false;
        }
        // Copied once: a driver that rewrites the configuration later changes nothing until a reset.
        final int txSize = NicRegistersDescriptor.txRingSize(regs);
        final int txFirst = NicRegistersDescriptor.txRingFrame(regs);
        final int rxSize = NicRegistersDescriptor.rxRingSize(regs);
        final int rxFirst = NicRegistersDescriptor.rxRingFrame(regs);
        final int maxSize = 1 << 15;
        final int frames = kernel.memory().frameCount();
        if (!validRing(txSize, txFirst, maxSize, frames) || !validRing(rxSize, rxFirst, maxSize, frames))
        {
            count(NicCounters.NIC_RING_ERRORS, 1);
            NicRegistersDescriptor.statusRelease(regs, NicRegistersDescriptor.STATUS_CONFIG_ERROR);
            return false;
        }
        txMask = txSize - 1;
        rxMask = rxSize - 1;
        txWindow.configure(txFirst, NicDescriptor.ringFrames(txSize, frameSize));
        rxWindow.configure(rxFirst, NicDescriptor.ringFrames(rxSize, frameSize));
        enabled = true;
        NicRegistersDescriptor.statusRelease(regs, NicRegistersDescriptor.STATUS_ENABLED);
        return true;
    }

    private boolean validRing(final int size, final int first, final int maxSize, final int frames)
    {
        return size >= 2 && size <= maxSize && Integer.bitCount(size) == 1 && first >= 0 &&
            first <= frames - NicDescriptor.ringFrames(size, frameSize);
    }

    // ---- TX ------------------------------------------------------------------------------------------------------

    private int transmit()
    {
        if (txHead == txTail && !refreshTxTail())
        {
            return 0;
        }
        final long startHead = txHead;
        final int budget = config.budget();
        while (txHead != txTail && txHead - startHead < budget && enabled)
        {
            if (!txFetched && !fetchTx())
            {
                continue; // completed with ERROR (or the ring faulted)
            }
            final int wireLength = txLength + Link.CRC_LENGTH;
            if (!tx.hasCredit(wireLength))
            {
                break; // over the rate: the fetched copy waits for credit
            }
            final int index = tx.tryClaim(wireLength);
            if (index < 0)
            {
                break; // the medium is full
            }
            if (!txDma.tryRead(txFrame, txOffset, tx.buffer(), index, txLength))
            {
                tx.abort(index); // the fault is counted by the engine
                completeTx(0, STATUS_DONE | STATUS_ERROR, ERROR_DMA_FAULT);
                continue;
            }
            txCrc.append(tx.buffer(), index, txLength);
            tx.commit(index, wireLength);
            passTxFrames++;
            passTxBytes += txLength;
            completeTx(txLength, STATUS_DONE, ERROR_NONE);
        }
        if (txHead != startHead && enabled)
        {
            NicRegistersDescriptor.txHeadRelease(regs, txHead); // after the write-backs it publishes
        }
        return (int)(txHead - startHead);
    }

    private boolean refreshTxTail()
    {
        final long tail = NicRegistersDescriptor.txTailAcquire(regs);
        if (tail - txHead < 0 || tail - txHead > txMask + 1)
        {
            badTail(tail); // an impossible tail: ignored, the old one stands
            return false;
        }
        txTail = tail;
        return tail != txHead;
    }

    private boolean fetchTx()
    {
        if (!readDescriptor(txWindow, (int)txHead & txMask))
        {
            return false;
        }
        final int frame = bufferFrame(descriptor, 0);
        final int offset = bufferOffset(descriptor, 0);
        final int length = bufferLength(descriptor, 0);
        if (length == 0 || offset + length > frameSize)
        {
            completeTx(0, STATUS_DONE | STATUS_ERROR, ERROR_BAD_DESCRIPTOR);
            return false;
        }
        if (length > mtu)
        {
            completeTx(0, STATUS_DONE | STATUS_ERROR, ERROR_OVERSIZE);
            return false;
        }
        txFrame = frame;
        txOffset = offset;
        txLength = length;
        txFetched = true;
        return true;
    }

    private void completeTx(final int length, final int status, final int error)
    {
        if ((status & STATUS_ERROR) != 0)
        {
            count(NicCounters.NIC_TX_ERRORS, 1);
        }
        if (writeDescriptorBack(txWindow, (int)txHead & txMask, txHead, length, status, error))
        {
            txFetched = false;
            txHead++;
            unsignalled(1);
        }
    }

    // ---- RX ------------------------------------------------------------------------------------------------------

    private void onWireFrame(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
        final int wireLength)
    {
        if (wireLength <= Link.CRC_LENGTH || wireLength > mtu + Link.CRC_LENGTH)
        {
            count(NicCounters.NIC_RX_LENGTH_ERRORS, 1);
            return;
        }
        final int length = wireLength - Link.CRC_LENGTH;
        if (!rxCrc.check(rx.buffer(), index, length))
        {
            count(NicCounters.NIC_RX_CRC_ERRORS, 1);
            return;
        }
        if (!enabled || (rxHead == rxTail && !refreshRxTail()))
        {
            rxNoBufferDrops++;
            count(NicCounters.NIC_RX_NO_BUFFER, 1);
            return;
        }
        final int slot = (int)rxHead & rxMask;
        if (!readDescriptor(rxWindow, slot))
        {
            return;
        }
        final int frame = bufferFrame(descriptor, 0);
        final int offset = bufferOffset(descriptor, 0);
        final int capacity = bufferLength(descriptor, 0);
        if (capacity == 0 || offset + capacity > frameSize)
        {
            completeRx(slot, 0, ERROR_BAD_DESCRIPTOR);
            return;
        }
        if (length > capacity)
        {
            completeRx(slot, 0, ERROR_BUFFER_TOO_SMALL);
            return;
        }
        if (!rxDma.tryWrite(frame, offset, rx.buffer(), index, length))
        {
            completeRx(slot, 0, ERROR_DMA_FAULT); // the fault is counted by the engine
            return;
        }
        passRxFrames++;
        passRxBytes += length;
        completeRx(slot, length, ERROR_NONE);
    }

    private boolean refreshRxTail()
    {
        final long tail = NicRegistersDescriptor.rxTailAcquire(regs);
        if (tail - rxHead < 0 || tail - rxHead > rxMask + 1)
        {
            badTail(tail);
            return false;
        }
        rxTail = tail;
        return tail != rxHead;
    }

    private void badTail(final long tail)
    {
        if (tail != badTail)
        {
            badTail = tail; // counted once per value the driver writes, not once per pass
            count(NicCounters.NIC_RING_ERRORS, 1);
        }
    }

    private void completeRx(final int slot, final int length, final int error)
    {
        final int status = error == ERROR_NONE ? STATUS_DONE : STATUS_DONE | STATUS_ERROR;
        if (error != ERROR_NONE)
        {
            count(NicCounters.NIC_RX_ERRORS, 1);
        }
        if (writeDescriptorBack(rxWindow, slot, rxHead, length, status, error))
        {
            rxHead++;
            rxCompleted++;
            unsignalled(1);
        }
    }

    // ---- rings ---------------------------------------------------------------------------------------------------

    private boolean readDescriptor(final RingWindow ring, final int slot)
    {
        final int at = descriptorOffset(slot);
        if (!ring.hold())
        {
            count(DeviceCounters.DMA_FAULTS, 1); // the ring's frame is not pinned for DMA
            ringFault();
            return false;
        }
        // One copy, as two words: a 16-byte getBytes pays Unsafe.copyMemory's argument checks, dearer than the copy.
        final UnsafeBuffer view = ring.view(at / frameSize);
        final int in = at % frameSize;
        descriptor.putLong(0, view.getLong(in));
        descriptor.putLong(Long.BYTES, view.getLong(in + Long.BYTES));
        passDmaBytes += NicDescriptor.LENGTH;
        return true;
    }

    private boolean writeDescriptorBack(
        final RingWindow ring, final int slot, final long position, final int length, final int status,
        final int error)
    {
        NicDescriptor.writeBack(writeBack, 0, (int)position, length, status, error);
        final int at = descriptorOffset(slot) + NicDescriptor.WRITE_BACK_OFFSET;
        if (!ring.hold())
        {
            count(DeviceCounters.DMA_FAULTS, 1); // the ring's frame is not pinned for DMA
            ringFault();
            return false;
        }
        // The whole write-back in one store (WRITE_BACK_LENGTH is one word), which the driver reads as one word.
        ring.view(at / frameSize).putLong(at % frameSize, writeBack.getLong(0));
        passDmaBytes += NicDescriptor.WRITE_BACK_LENGTH;
        return true;
    }

    private void ringFault()
    {
        // The driver unpinned its own ring: the device stops until the next reset rather than guess.
        count(NicCounters.NIC_RING_ERRORS, 1);
        enabled = false;
        NicRegistersDescriptor.statusRelease(regs, NicRegistersDescriptor.STATUS_RING_FAULT |
            NicRegistersDescriptor.STATUS_CONFIG_ERROR);
    }

    // ---- interrupts ----------------------------------------------------------------------------------------------

    private void unsignalled(final int completions)
    {
        if (unsignalled == 0)
        {
            oldestUnsignalledNanos = clock.nanoTime();
        }
        unsignalled += completions;
    }

    private int signal()
    {
        if (unsignalled == 0)
        {
            return 0;
        }
        final long timeThreshold = config.irqTimeThresholdNanos();
        if (unsignalled >= config.irqCountThreshold() || (timeThreshold != NicConfig.NO_TIME_THRESHOLD &&
            clock.nanoTime() - oldestUnsignalledNanos >= timeThreshold))
        {
            unsignalled = 0;
            line.raise(); // masked or in service: the kernel folds it into the next delivery, nothing is lost
            return 1;
        }
        return 0;
    }

    private void count(final CounterType type, final long delta)
    {
        (driver != null ? driver : kernel.kernelDomain()).count(type, delta);
    }

    /**
     * Frames this device dropped for want of a posted RX buffer, over its life (whoever its driver was): the
     * per-device view of {@link NicCounters#NIC_RX_NO_BUFFER}, which counts on the driver's domain, so that a driver
     * domain serving several guests, a device each, can say whose receive path backed up.
     *
     * @return drops so far.
     */
    public long rxNoBufferDrops()
    {
        synchronized (lock)
        {
            return rxNoBufferDrops;
        }
    }

    /**
     * @return the kernel frame holding the register page.
     */
    int registerFrame()
    {
        return regFrame;
    }

    /**
     * Detaches any driver and frees the register page. Idempotent. Close the driver first: a driver left attached
     * finds itself detached at its next call.
     */
    @Override
    public void close()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            detach(attachment);
            closed = true;
            regs.wrap(new byte[0]);
            kernel.freeFrame(kernel.kernelDomain(), regFrame);
        }
    }

    @Override
    public void onClose()
    {
        // The runner stopping is not the device's end: its owner closes it, after the driver.
    }

    @Override
    public String toString()
    {
        return "Nic[" + name + ", mtu=" + mtu + ", driver=" + driver + "]";
    }
}
