package io.barge.core.device;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.notify.LmpEndpoint;
import io.barge.core.notify.Waitset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterruptLineTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain driver;
    private InterruptLine line;
    private final List<long[]> received = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(128);
        kernel = new Kernel(memory);
        driver = kernel.createDomain("driver");
        line = new InterruptLine(kernel, 7, "nic0", driver);
    }

    @AfterEach
    void tearDown()
    {
        line.close();
        kernel.close();
        memory.close();
    }

    private int drain()
    {
        return line.endpoint().poll((type, buffer, offset, length, capability) ->
        {
            assertEquals(InterruptMessageDescriptor.MESSAGE_TYPE, type);
            assertEquals(InterruptMessageDescriptor.LENGTH, length);
            received.add(new long[]{InterruptMessageDescriptor.lineId(buffer, offset),
                InterruptMessageDescriptor.events(buffer, offset)});
        }, 16);
    }

    /**
     * A device raising and a driver acking on one thread while another destroys the driver's domain: the death closes
     * the line's channel at any point of a delivery, before its claim or between the claim and the commit, and the
     * device never sees an exception for it; every later raise is dropped and counted.
     */
    @Test
    @Timeout(60)
    void aDriverDyingMidDeliveryNeverThrowsIntoTheDevice() throws Exception
    {
        for (int round = 0; round < 300; round++)
        {
            final Domain dying = kernel.createDomain("dying" + round);
            final InterruptLine racing = new InterruptLine(kernel, 100 + round, "nic" + round, dying);
            final AtomicBoolean started = new AtomicBoolean();
            final java.util.concurrent.atomic.AtomicReference<Throwable> thrown =
                new java.util.concurrent.atomic.AtomicReference<>();
            final Thread device = new Thread(() ->
            {
                try
                {
                    started.set(true);
                    while (racing.isBound())
                    {
                        if (racing.raise())
                        {
                            racing.ack(); // delivered: the driver's ack, which may deliver again
                        }
                    }
                    racing.raise(); // unbound: dropped
                }
                catch (final Throwable t)
                {
                    thrown.set(t);
                }
            }, "device-" + round);
            device.start();
            while (!started.get())
            {
                Thread.onSpinWait();
            }
            kernel.destroyDomain(dying);
            device.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(device.isAlive(), "round " + round + ": the device did not see the line unbound");
            assertEquals(null, thrown.get(), "round " + round);
            racing.close();
        }
        assertTrue(kernel.kernelDomain().counter(DeviceCounters.INTERRUPTS_DROPPED) >= 300,
            "each round's last raise, at least, is dropped and counted");
    }

    @Test
    void aRaiseMasksTheLineAndRaisesInServiceAreFoldedIntoTheDeliveryOnAck()
    {
        assertTrue(line.raise());
        assertTrue(line.inService());
        assertFalse(line.raise());
        assertFalse(line.raise());
        assertEquals(1, drain());
        assertEquals(7, received.get(0)[0]);
        assertEquals(1, received.get(0)[1]);
        assertEquals(0, drain(), "no message while the line is in service");

        line.ack();
        assertEquals(1, drain());
        assertEquals(2, received.get(1)[1], "the two raises made while in service, as one message");
        line.ack();
        assertFalse(line.inService());
        assertEquals(0, drain());
        assertEquals(3, driver.counter(DeviceCounters.INTERRUPTS_RAISED));
        assertEquals(2, driver.counter(DeviceCounters.INTERRUPTS_DELIVERED));
        assertEquals(2, driver.counter(DeviceCounters.INTERRUPTS_COALESCED));
    }

    @Test
    void aMaskedLineKeepsItsEventsAndDeliversThemOnUnmask()
    {
        line.mask();
        assertFalse(line.raise());
        assertFalse(line.raise());
        assertEquals(0, drain());
        assertEquals(2, line.pendingEvents());
        line.unmask();
        assertEquals(1, drain());
        assertEquals(2, received.get(0)[1]);
        assertEquals(0, line.pendingEvents());
    }

    @Test
    void anAckWithNothingInServiceIsRefused()
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class, line::ack);
        assertTrue(ex.getMessage().contains("nic0(7)"), ex.getMessage());
    }

    @Test
    void aLineWhoseDriverDiedDropsRaisesWithoutThrowing()
    {
        assertTrue(line.raise());
        kernel.destroyDomain(driver);
        assertFalse(line.raise());
        assertFalse(line.isBound());
        assertEquals(1, kernel.counters().total(DeviceCounters.INTERRUPTS_DROPPED));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void noRaiseIsLostBetweenADeviceThreadAndADriverOnItsWaitset() throws Exception
    {
        final int raises = 200_000;
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread device = new Thread(() ->
        {
            for (int i = 0; i < raises && !stop.get(); i++)
            {
                line.raise();
            }
        }, "device");
        final Waitset waitset = new Waitset("driver");
        final LmpEndpoint endpoint = line.endpoint();
        final long[] events = new long[1];
        final Runnable[] onInterrupt = new Runnable[1];
        onInterrupt[0] = () ->
        {
            endpoint.poll((type, buffer, offset, length, capability) ->
                events[0] += InterruptMessageDescriptor.events(buffer, offset), 16);
            if (line.inService())
            {
                line.ack();
            }
            endpoint.registerReceive(waitset, onInterrupt[0]);
        };
        endpoint.registerReceive(waitset, onInterrupt[0]);
        device.start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            while (events[0] < raises && System.nanoTime() < deadline)
            {
                waitset.dispatch(1, TimeUnit.MILLISECONDS, new org.agrona.concurrent.BusySpinIdleStrategy());
            }
        }
        finally
        {
            stop.set(true);
            device.join(TimeUnit.SECONDS.toMillis(5));
        }
        assertEquals(raises, events[0], "every raise delivered exactly once, folded or not");
        assertEquals(raises, driver.counter(DeviceCounters.INTERRUPTS_RAISED));
        assertTrue(driver.counter(DeviceCounters.INTERRUPTS_DELIVERED) < raises, "raises in service were folded");
    }
}
