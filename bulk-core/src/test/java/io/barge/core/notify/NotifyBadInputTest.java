package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static io.barge.core.notify.UmpDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A peer that forges shared memory: each case gets a typed error, breaks only its channel, tells the error handler
 * once, and leaks nothing.
 */
@Timeout(30)
class NotifyBadInputTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private int freeAtStart;
    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);
    private final List<Throwable> errors = new ArrayList<>();
    private UmpChannel bad;
    private UmpChannel other;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        freeAtStart = kernel.freeFrames();
        bad = Notifications.openUmp(kernel, a, b, 8);
        other = Notifications.openUmp(kernel, a, b, 8);
        bad.errorHandler(errors::add);
        other.errorHandler(ex -> fail("other channel must not break: " + ex));
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private int send(final NotifySender sender, final long value)
    {
        src.putLong(0, value);
        return sender.offer(1, src, 0, 8);
    }

    /** The malicious sender writes a control word straight into its own ring mapping. */
    private void forgeControl(final int slot, final long control)
    {
        a.addressSpace().putLongRelease(bad.senderRingAddress() + slotOffset(slot) + CONTROL_OFFSET, control);
    }

    /** The malicious receiver writes its ack word. */
    private void forgeAck(final long ack)
    {
        b.addressSpace().putLongRelease(bad.receiverAckAddress() + ACK_OFFSET, ack);
    }

    private void assertReceiverSawViolation(final String expectedText)
    {
        final long violations = b.counter(CounterType.PROTOCOL_VIOLATIONS);
        final List<Long> got = new ArrayList<>();
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            () -> bad.receiver().poll((t, buf, o, l) -> got.add(buf.getLong(o)), 10));
        assertTrue(ex.getMessage().contains(expectedText), ex.getMessage());
        assertEquals(List.of(0L), got, "the good message before the forged one is delivered");
        assertEquals(violations + 1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertBrokenAndIsolated();
    }

    private void assertBrokenAndIsolated()
    {
        assertFalse(bad.isOpen());
        assertEquals(1, errors.size());
        assertThrows(ChannelClosedException.class, () -> bad.receiver().poll((t, buf, o, l) -> { }, 1));
        assertThrows(ChannelClosedException.class, () -> bad.sender().tryClaim());
        assertEquals(1, errors.size(), "error handler told once");
        // The peer domains and the other channel go on working.
        assertEquals(Status.OK, send(other.sender(), 42));
        final long[] got = {0};
        assertEquals(1, other.receiver().poll((t, buf, o, l) -> got[0] = buf.getLong(o), 10));
        assertEquals(42, got[0]);
        assertTrue(other.isOpen());
        bad.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void corruptControlWordReservedBits()
    {
        assertEquals(Status.OK, send(bad.sender(), 0));
        forgeControl(1, encodeControl(EPOCH_BIT, 1, 8, 1) | (1L << 40));
        assertReceiverSawViolation("corrupt control word");
    }

    @Test
    void corruptControlWordLengthAboveSlot()
    {
        assertEquals(Status.OK, send(bad.sender(), 0));
        forgeControl(1, encodeControl(EPOCH_BIT, 1, 57, 1));
        assertReceiverSawViolation("corrupt control word");
    }

    @Test
    void corruptControlWordAllOnes()
    {
        assertEquals(Status.OK, send(bad.sender(), 0));
        forgeControl(1, -1L);
        assertReceiverSawViolation("corrupt control word");
    }

    @Test
    void impossibleSequenceId()
    {
        assertEquals(Status.OK, send(bad.sender(), 0));
        forgeControl(1, encodeControl(EPOCH_BIT, 1, 8, 7));
        assertReceiverSawViolation("impossible sequence id");
    }

    @Test
    void ackAheadOfWhatWasSent()
    {
        for (int i = 0; i < 8; i++)
        {
            assertEquals(Status.OK, send(bad.sender(), i));
        }
        forgeAck(9);
        final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            () -> bad.sender().tryClaim());
        assertTrue(ex.getMessage().contains("ack=9 impossible"), ex.getMessage());
        assertEquals(violations + 1, a.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertBrokenAndIsolated();
    }

    @Test
    void ackGoingBackwards()
    {
        for (int i = 0; i < 8; i++)
        {
            assertEquals(Status.OK, send(bad.sender(), i));
        }
        assertEquals(4, bad.receiver().poll((t, buf, o, l) -> { }, 4));
        for (int i = 0; i < 4; i++)
        {
            assertEquals(Status.OK, send(bad.sender(), i), "room after the ack of 4");
        }
        forgeAck(2);
        assertThrows(ProtocolViolationException.class, () -> bad.sender().tryClaim());
        assertBrokenAndIsolated();
    }

    @Test
    void lmpReceiverForgingItsConsumedCountIsCaughtByTheKernel()
    {
        bad.close();
        final LmpChannel lmp = Notifications.openLmp(kernel, a, b, 2);
        lmp.errorHandler(errors::add);
        assertEquals(Status.OK, send(lmp.sender(), 0));
        assertEquals(Status.OK, send(lmp.sender(), 1));
        // The receiver owns its consumer page and lies in it.
        final long consumerAddress = lmp.receiverConsumerAddress();
        b.addressSpace().putLongRelease(consumerAddress + LmpDescriptor.CONSUMED_OFFSET, 5);
        final long violations = kernel.kernelDomain().counter(CounterType.PROTOCOL_VIOLATIONS);
        assertThrows(ProtocolViolationException.class, () -> send(lmp.sender(), 2));
        assertEquals(violations + 1, kernel.kernelDomain().counter(CounterType.PROTOCOL_VIOLATIONS));
        assertFalse(lmp.isOpen());
        assertEquals(1, errors.size());
        assertThrows(ChannelClosedException.class, () -> lmp.sender().tryClaim());
        assertEquals(Status.OK, send(other.sender(), 1));
        lmp.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
