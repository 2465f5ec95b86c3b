package io.barge.core.device;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.notify.LmpChannel;
import io.barge.core.notify.LmpEndpoint;
import io.barge.core.notify.LmpSender;

/**
 * An interrupt line from a device to its driver domain, delivered as a message (Barrelfish passes device
 * interrupts to user-space drivers this way). The device {@link #raise}s the line; the kernel's first-level
 * handler masks it and sends an LMP message ({@link InterruptMessageDescriptor}) to the driver's
 * {@link #endpoint()}; the driver does the work and {@link #ack}s; the kernel unmasks. A raise while the line is in
 * service or masked by the driver is not lost: it is folded into the next delivery (its event count), made on the
 * ack or unmask. A driver that stays in service while work remains and acks only when none does gets NAPI-style
 * polling for free: no interrupt per event while it polls.
 * <p>
 * Thread safety: the device raises from its thread and the driver acks, masks and unmasks from its own; the line's
 * small state is guarded by its monitor, which also makes the kernel's LMP sender single-threaded. A raise costs
 * one uncontended monitor enter; a device raises per batch of completions, not per byte.
 * <p>
 * When the driver domain dies, the channel closes; later raises are counted as dropped (on the kernel domain: the
 * driver's counters are retired) and return false.
 */
public final class InterruptLine implements AutoCloseable
{
    private final Kernel kernel;
    private final int id;
    private final String name;
    private final Domain driver;
    private final LmpChannel channel;
    private final LmpSender sender;
    private boolean enabled = true;
    private boolean inService;
    private long pendingEvents;
    private boolean bound = true;

    /**
     * Binds a new line to a driver domain: the kernel opens an LMP channel from itself to the driver.
     *
     * @param kernel the machine.
     * @param id     the line number, carried in every message.
     * @param name   for errors and counters.
     * @param driver the domain that handles the line.
     */
    public InterruptLine(final Kernel kernel, final int id, final String name, final Domain driver)
    {
        this.kernel = kernel;
        this.id = id;
        this.name = name;
        this.driver = driver;
        // A handful of slots: at most one delivery is outstanding per line unless the driver acks without reading.
        this.channel = new LmpChannel(kernel, kernel.kernelDomain(), driver, 4);
        this.channel.synchronous(false);
        this.sender = channel.sender();
    }

    /**
     * @return the line number.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the driver domain.
     */
    public Domain driver()
    {
        return driver;
    }

    /**
     * @return the driver's endpoint: poll it, or register it with the driver's waitset.
     */
    public LmpEndpoint endpoint()
    {
        return channel.receiver();
    }

    /**
     * The device signals an event.
     *
     * @return true if a message was sent now; false if the event was folded into a later delivery (line masked or
     *         in service) or dropped (driver gone).
     */
    public synchronized boolean raise()
    {
        if (!bound || !channel.isOpen())
        {
            bound = false;
            dropped(1);
            return false;
        }
        driver.count(DeviceCounters.INTERRUPTS_RAISED, 1);
        pendingEvents++;
        if (!enabled || inService)
        {
            driver.count(DeviceCounters.INTERRUPTS_COALESCED, 1);
            return false;
        }
        return deliver();
    }

    /**
     * The driver is done with the interrupt in service: the line unmasks, and events raised meanwhile are delivered
     * at once as one message.
     *
     * @throws IllegalStateException if no interrupt is in service (an ack without a delivery).
     */
    public synchronized void ack()
    {
        if (!inService)
        {
            throw new IllegalStateException("ack of interrupt line " + name + "(" + id + ") with none in service");
        }
        inService = false;
        if (enabled && pendingEvents > 0)
        {
            deliver();
        }
    }

    /**
     * The driver disables the line (e.g. while it polls): raises are kept, not delivered.
     */
    public synchronized void mask()
    {
        enabled = false;
    }

    /**
     * The driver enables the line again; events kept while it was masked are delivered unless one is in service.
     */
    public synchronized void unmask()
    {
        enabled = true;
        if (!inService && pendingEvents > 0)
        {
            deliver();
        }
    }

    /**
     * @return whether an interrupt has been delivered and not yet acknowledged.
     */
    public synchronized boolean inService()
    {
        return inService;
    }

    /**
     * @return events raised and not yet delivered.
     */
    public synchronized long pendingEvents()
    {
        return pendingEvents;
    }

    /**
     * @return false once the driver is gone or the line closed.
     */
    public synchronized boolean isBound()
    {
        return bound && channel.isOpen();
    }

    /**
     * Unbinds the line and closes its channel. Idempotent.
     */
    @Override
    public synchronized void close()
    {
        bound = false;
        channel.close();
    }

    private boolean deliver()
    {
        try
        {
            final int at = sender.tryClaim();
            if (at < 0)
            {
                // The driver acked without reading its endpoint: keep the events for the next raise or ack.
                return false;
            }
            InterruptMessageDescriptor.write(sender.buffer(), at, id, pendingEvents);
            sender.commit(InterruptMessageDescriptor.MESSAGE_TYPE, InterruptMessageDescriptor.LENGTH);
        }
        catch (final ChannelClosedException ex)
        {
            // The driver's domain died: before the claim, or between it and the commit (its death closes the
            // channel from the destroying thread). The device goes on; the events are dropped, counted.
            bound = false;
            dropped(pendingEvents);
            pendingEvents = 0;
            return false;
        }
        pendingEvents = 0;
        inService = true;
        driver.count(DeviceCounters.INTERRUPTS_DELIVERED, 1);
        return true;
    }

    // A dead driver's counters are retired: drops are the kernel's to count.
    private void dropped(final long events)
    {
        kernel.kernelDomain().count(DeviceCounters.INTERRUPTS_DROPPED, events);
    }

    @Override
    public String toString()
    {
        return "InterruptLine[" + name + "(" + id + ") -> " + driver + "]";
    }
}
