package io.barge.drivers.idd;

import io.barge.core.Access;
import io.barge.core.Domain;
import io.barge.core.DomainListener;
import io.barge.core.Kernel;
import io.barge.core.notify.Waitset;
import io.barge.core.transport.Capability;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import io.barge.drivers.nic.Link;
import io.barge.drivers.nic.Nic;
import io.barge.drivers.nic.NicDriver;
import io.barge.drivers.nic.Wire;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemNanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The driver domain (Xen's IDD): a domain that runs the NIC drivers and serves N guest domains, each isolated, over
 * one transport family ({@link IddPath}). Zero copy: the devices DMA straight from the frames behind a guest's
 * transmit request and straight into the buffer a guest will receive (on xen {@code copy} RX, as in Linux's netback,
 * into a staging page grant-copied into the guest's posted page), each pinned for the transfer through the driver
 * domain's own mapping ({@link Kernel#pinMappedForDma}) and unpinned when the device completes it.
 * <p>
 * <b>Wiring</b> (like virtual functions): per guest {@code i} a pair of NICs back to back on a {@link Wire}; guest
 * {@code i} transmits on NIC {@code A_i}, whose wire delivers to NIC {@code B_i}, whose RX ring holds buffers of guest
 * {@code (i + 1) mod N}. So the guests send to each other in a ring through the driver domain; with one guest it
 * receives its own frames. Per guest a TX channel guest to driver domain and an RX channel driver domain to guest:
 * <ul>
 * <li>xen: the guest is the TX front end and grants its pages; each request is answered when its DMA completes
 *     ({@code OK}), or refused ({@code ERROR}) when longer than the MTU, crossing a page, or not readable. The TX
 *     channel carries a page so that an over-MTU request reaches the driver domain to be refused. RX is netfront's
 *     and netback's: a second {@code xen} transport with {@code granter=receiver} makes the guest the front end of
 *     its RX channel, granting its own empty pages and posting them as RX requests; the driver domain claims a
 *     posted buffer, pins it through its mapping and the NIC DMAs the frame straight into the guest's page
 *     ({@code persistent}: the guest's pool, mapped writable once; {@code map}: the posted pages mapped writable per
 *     buffer), or, with {@code copy}, into a staging page of the driver domain that the commit grant-copies into the
 *     posted page (as Linux's netback does); the response carries the frame's length.</li>
 * <li>rbufs: TX in TMM (the guest is master, the driver domain reads its data area), RX in RMM (the guest posts
 *     empty areas, the driver domain claims them, several at once, and the device fills them).</li>
 * <li>fbufs: RX over an I/O path driver domain to guest, buffers from the path's cached free list; TX over
 *     fbufs too.</li>
 * </ul>
 * On rbufs and fbufs each channel's largest message is the MTU, so the transport itself refuses a longer claim.
 * <p>
 * <b>Threads.</b> The driver domain is an Agrona {@link Agent}: {@link #doWork()} dispatches its {@link Waitset},
 * where every guest's TX receiver, every RX sender waiting for space and every NIC's interrupt line are registered;
 * it never polls a guest that has nothing for it. The devices are agents of their own ({@link #devices()}). The
 * state is guarded by this object's monitor, held for a whole {@code doWork}; lock order: this, then a NIC driver.
 * <p>
 * <b>Isolation.</b> A guest that stops consuming backs up only its own RX path: its inbound NIC drops, counted for
 * it ({@link GuestStats#rxDropped()}). A guest destroyed, or one whose channel breaks the protocol, is retired on its
 * own: its NIC drivers closed (cancelling its buffers, each unpinned), its channels closed, every grant and frame
 * returned; the others go on. When the driver domain itself is destroyed its listener, registered before any of
 * its channels' and drivers', resets every device, unpins every guest frame and closes every channel: guests get
 * {@link DeviceGoneException}; a new driver domain can then serve the same guests.
 */
public final class DriverDomain implements Agent, AutoCloseable
{
    final Kernel kernel;
    final Domain domain;
    final IddConfig config;
    final Waitset waitset;
    final int pageSize;
    private final Domain[] guests;
    private final DomainListener deaths = this::onDestroy;
    private final List<Transport> transports = new ArrayList<>();
    private final Wire[] wires;
    private final Nic[] nicA;
    private final Nic[] nicB;
    private final NicDriver[] txDrivers;
    private final NicDriver[] rxDrivers;
    private final TxPort[] txPorts;
    private final RxPort[] rxPorts;
    private final GuestNic[] nics;
    private final Throwable[] failures;
    private final Agent devices;
    private boolean gone;
    private boolean closed;

    /**
     * Creates the driver domain, its devices and every guest's channels, and starts serving.
     *
     * @param kernel the machine.
     * @param name   the driver domain's name.
     * @param guests the guest domains, at least one, distinct and alive.
     * @param config path, sizes, rates.
     */
    public DriverDomain(final Kernel kernel, final String name, final Domain[] guests, final IddConfig config)
    {
        if (guests.length < 1)
        {
            throw new IllegalArgumentException("a driver domain serves at least 1 guest, got " + guests.length);
        }
        config.checkFits(kernel.memory().frameSize());
        this.kernel = kernel;
        this.config = config;
        this.guests = guests.clone();
        this.pageSize = kernel.memory().frameSize();
        final int n = guests.length;
        this.wires = new Wire[n];
        this.nicA = new Nic[n];
        this.nicB = new Nic[n];
        this.txDrivers = new NicDriver[n];
        this.rxDrivers = new NicDriver[n];
        this.txPorts = new TxPort[n];
        this.rxPorts = new RxPort[n];
        this.nics = new GuestNic[n];
        this.failures = new Throwable[n];
        // First: on a death this runs before the listeners of the channels and drivers made below.
        kernel.addDomainListener(deaths);
        this.domain = kernel.createDomain(name);
        this.waitset = new Waitset(name);
        boolean done = false;
        try
        {
            setUp();
            done = true;
        }
        finally
        {
            if (!done)
            {
                close();
            }
        }
        final Agent[] agents = new Agent[2 * n];
        for (int i = 0; i < n; i++)
        {
            agents[2 * i] = nicA[i];
            agents[2 * i + 1] = nicB[i];
        }
        this.devices = new CompositeAgent(agents);
    }

    private void setUp()
    {
        final int n = guests.length;
        final IddPath path = config.path();
        final Transport tx;
        final Transport rx;
        if (path == IddPath.RBUFS)
        {
            tx = transport("rbufs", Map.of("mode", "tmm"));
            rx = transport("rbufs", Map.of("mode", "rmm"));
        }
        else if (path == IddPath.XEN)
        {
            tx = transport("xen", Map.of("grants", config.grants()));
            // The guest posts its own granted RX pages (netfront's RX requests); the driver domain fills them.
            rx = transport("xen", Map.of("grants", config.grants(), "granter", "receiver"));
        }
        else
        {
            tx = transport(path.transport(), Map.of());
            rx = tx;
        }
        final boolean responses = tx.capabilities().contains(Capability.RESPONSES);
        if (!rx.capabilities().contains(Capability.POSTED_BUFFERS))
        {
            throw new IllegalArgumentException(rx.name() + " cannot lend posted buffers to a device");
        }
        final int mtu = config.mtu();
        final ChannelConfig txConfig = new ChannelConfig(path == IddPath.XEN ? pageSize : mtu, config.capacity(),
            ChannelConfig.Notification.UMP);
        final ChannelConfig rxConfig = txConfig.withMaxMessageLength(mtu);
        for (int i = 0; i < n; i++)
        {
            wires[i] = new Wire(mtu, config.linkBitsPerSecond(), mtu + Link.CRC_LENGTH, config.linkCapacity(),
                SystemNanoClock.INSTANCE);
            nicA[i] = new Nic(kernel, domain.name() + "-A" + i, wires[i].a(), config.nicConfig());
            nicB[i] = new Nic(kernel, domain.name() + "-B" + i, wires[i].b(), config.nicConfig());
        }
        // Kept pins where a channel's buffers stay mapped at one address for its life: rbufs data areas, xen's
        // persistent grants and copy's private windows; not xen map's per-buffer maps (either way), not fbufs.
        final boolean xen = path == IddPath.XEN;
        final boolean keep = config.persistentPins() &&
            (path == IddPath.RBUFS || xen && !"map".equals(config.grants()));
        for (int i = 0; i < n; i++)
        {
            final Channel txChannel = tx.open(guests[i], domain, txConfig);
            txPorts[i] = new TxPort(this, i, txChannel, responses, new DmaPins(kernel, domain, Access.READ, keep));
            final Channel rxChannel = path == IddPath.FBUFS ?
                rx.openPath(rxConfig, domain, guests[i]).hop(0) : rx.open(domain, guests[i], rxConfig);
            rxPorts[i] = new RxPort(this, i, rxChannel, new DmaPins(kernel, domain, Access.WRITE, keep));
            nics[i] = new GuestNic(this, i, guests[i], txChannel.sender(), rxChannel.receiver(), responses);
        }
        for (int i = 0; i < n; i++)
        {
            txDrivers[i] = driver(nicA[i], txPorts[i]);
            rxDrivers[i] = driver(nicB[(i + n - 1) % n], rxPorts[i]); // B_(i-1) carries guest (i-1)'s frames to i
        }
        synchronized (this)
        {
            for (int i = 0; i < n; i++)
            {
                txPorts[i].start(txDrivers[i]);
                rxPorts[i].start(rxDrivers[i]);
            }
        }
    }

    private Transport transport(final String name, final Map<String, String> options)
    {
        final Transport transport = Transports.create(kernel, name, options);
        transports.add(transport);
        return transport;
    }

    private NicDriver driver(final Nic nic, final io.barge.drivers.nic.NicCompletionHandler port)
    {
        final NicDriver driver = NicDriver.forForeignBuffers(kernel, domain, nic, config.ringSize(),
            config.driverMode(), config.budget(), port);
        driver.register(waitset);
        return driver;
    }

    /**
     * @param guest a guest's index, in the order given.
     * @return that guest's virtual NIC.
     */
    public GuestNic guest(final int guest)
    {
        return nics[guest];
    }

    /**
     * @return guests served (retired ones included).
     */
    public int guests()
    {
        return guests.length;
    }

    /**
     * @return the driver domain.
     */
    public Domain domain()
    {
        return domain;
    }

    /**
     * @return the settings.
     */
    public IddConfig config()
    {
        return config;
    }

    /**
     * @return all the devices as one agent, for a thread of their own (or to be pumped by a test).
     */
    public Agent devices()
    {
        return devices;
    }

    /**
     * Runs one pass of every device on the calling thread, for a single-threaded placement (or a test).
     *
     * @return the devices' work.
     */
    public int pumpDevices()
    {
        int work = 0;
        for (int i = 0; i < guests.length; i++)
        {
            work += nicA[i].doWork() + nicB[i].doWork();
        }
        return work;
    }

    /**
     * @return whether the driver domain is destroyed or closed: its guests' calls throw {@link DeviceGoneException}.
     */
    public synchronized boolean isGone()
    {
        return gone;
    }

    /**
     * @param guest a guest's index.
     * @return what was done for it so far.
     */
    public synchronized GuestStats stats(final int guest)
    {
        final TxPort tx = txPorts[guest];
        final RxPort rx = rxPorts[guest];
        return new GuestStats(tx.packets, tx.bytes, tx.errors, tx.rejected, rx.packets, rx.bytes, rx.errors,
            nicB[(guest + guests.length - 1) % guests.length].rxNoBufferDrops(), failures[guest]);
    }

    /**
     * @return interrupt messages the drivers handled, over every NIC.
     */
    public synchronized long interrupts()
    {
        long sum = 0;
        for (int i = 0; i < guests.length; i++)
        {
            sum += txDrivers[i] == null ? 0 : txDrivers[i].interrupts();
            sum += rxDrivers[i] == null ? 0 : rxDrivers[i].interrupts();
        }
        return sum;
    }

    /**
     * Dispatches the waitset: guests' requests, devices' interrupts, room on guests' RX channels.
     *
     * @return events handled.
     */
    @Override
    public int doWork()
    {
        synchronized (this)
        {
            if (gone)
            {
                return 0;
            }
            int work = 0;
            while (work < config.budget() && waitset.poll())
            {
                work++;
            }
            return work;
        }
    }

    @Override
    public String roleName()
    {
        return "idd-" + domain.name();
    }

    /** For tests: a frame pinned for a TX request of the guest now in flight on its NIC, or -1. */
    synchronized int txFrameInFlight(final int guest)
    {
        return txPorts[guest].frameInFlight();
    }

    /** For tests: the frame behind the oldest RX buffer of the guest posted to its NIC now, or -1. */
    synchronized int rxFramePosted(final int guest)
    {
        return rxPorts[guest].framePosted();
    }

    /** A port of the guest found its channel broken or torn down: retire the guest alone. */
    void guestFailed(final int guest, final Throwable why)
    {
        retire(guest, why);
    }

    private void retire(final int guest, final Throwable why)
    {
        if (failures[guest] != null || gone)
        {
            return;
        }
        failures[guest] = why;
        // Devices first (each close resets the NIC, then cancels every buffer, which unpins it), then channels.
        closeQuietly(txDrivers[guest]);
        closeQuietly(rxDrivers[guest]);
        if (txPorts[guest] != null)
        {
            txPorts[guest].close();
        }
        if (rxPorts[guest] != null)
        {
            rxPorts[guest].close();
        }
    }

    private static void closeQuietly(final NicDriver driver)
    {
        if (driver != null)
        {
            driver.close();
        }
    }

    private void onDestroy(final Domain dead)
    {
        synchronized (this)
        {
            if (dead == domain)
            {
                shutDown(); // before the drivers' own listeners and the kernel's free of this domain's frames
                return;
            }
            for (int i = 0; i < guests.length; i++)
            {
                if (guests[i] == dead)
                {
                    retire(i, new io.barge.core.ChannelClosedException("guest " + dead + " was destroyed"));
                }
            }
        }
    }

    private void shutDown()
    {
        if (gone)
        {
            return;
        }
        for (int i = 0; i < guests.length; i++)
        {
            retire(i, new DeviceGoneException("driver domain " + domain + " is gone"));
        }
        gone = true;
    }

    /**
     * Stops serving: resets the devices, returns every guest buffer, closes every channel, transport and device and
     * destroys the driver domain. The guests live on. Stop the agents that run {@link #doWork()} and
     * {@link #devices()} first (a device closed under its running agent finds itself closed). Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            shutDown();
        }
        kernel.removeDomainListener(deaths);
        for (final Transport transport : transports)
        {
            transport.close();
        }
        for (int i = 0; i < guests.length; i++)
        {
            if (nicA[i] != null)
            {
                nicA[i].close();
            }
            if (nicB[i] != null)
            {
                nicB[i].close();
            }
        }
        domain.close();
    }

    @Override
    public String toString()
    {
        return "DriverDomain[" + domain + ", " + guests.length + " guests, " + config + "]";
    }
}
