package io.barge.drivers.idd;

import io.barge.core.ChannelClosedException;
import io.barge.core.Kernel;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Channel;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import io.barge.drivers.nic.NicBurst;
import io.barge.drivers.nic.NicCompletionHandler;
import io.barge.drivers.nic.NicDescriptor;
import io.barge.drivers.nic.NicDriver;

/**
 * One guest's receive path in the driver domain: buffers claimed on the channel to the guest (each claim an MTU,
 * several outstanding: {@link io.barge.core.transport.Capability#POSTED_BUFFERS}; on xen each claim is an RX buffer
 * the guest posted, its own granted page reached through the driver domain's grant mapping), pinned writable through
 * the driver domain's mapping ({@link Kernel#pinMappedForDma}, WRITE) and posted to the NIC's RX ring; the device
 * DMAs a frame straight into one, and on its completion the claim is unpinned, shrunk to the frame and committed to
 * the guest (on xen: answered with the frame's length). The NIC completes RX buffers in the order posted, which is the order claimed, so commits keep claim order;
 * a buffer completed with an error is aborted, also in order. The buffers of one refill are posted as one
 * {@link NicBurst}, behind one doorbell.
 * <p>
 * A guest that stops consuming backs its channel up: claims are back pressured, the RX ring runs dry and the NIC
 * drops (counted on that NIC only); the port waits for space on the waitset. Called only under the driver domain's
 * monitor.
 */
final class RxPort implements NicCompletionHandler
{
    private final DriverDomain idd;
    private final DmaPins pins;
    private final int guest;
    private final Channel channel;
    private final Sender sender;
    private final Claim[] claims;
    private final int[] frames;
    private final int[] free;
    private final int[] order;
    private final int mask;
    private final NicBurst burst;
    private final WaitsetChannel kick;
    private final Runnable refill = this::refill;
    private final Runnable onSpace = this::onSpace;
    private NicDriver driver;
    private int freeCount;
    private long head;
    private long tail;
    private boolean waitingForSpace;
    private boolean closed;
    private RuntimeException failure;
    long packets;
    long bytes;
    long errors;

    RxPort(final DriverDomain idd, final int guest, final Channel channel, final DmaPins pins)
    {
        this.idd = idd;
        this.pins = pins;
        this.guest = guest;
        this.channel = channel;
        this.sender = channel.sender();
        final int capacity = idd.config.capacity();
        this.claims = new Claim[capacity];
        this.frames = new int[capacity];
        this.free = new int[capacity];
        this.order = new int[capacity];
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++)
        {
            claims[i] = sender.newClaim();
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
        this.burst = new NicBurst(capacity); // each staged buffer holds a claim
        this.kick = new WaitsetChannel("idd-rx-kick " + guest);
    }

    void start(final NicDriver driver)
    {
        this.driver = driver;
        refill();
    }

    private void onSpace()
    {
        waitingForSpace = false;
        refill();
    }

    /** Claims, pins and posts buffers until the ring is full, the pool is empty or the guest's channel is. */
    private void refill()
    {
        try
        {
            claimAll();
        }
        finally
        {
            post(); // whatever was claimed and pinned reaches the NIC, so that a close cancels it there
        }
    }

    /** Posts the refill's staged buffers behind one doorbell; room for each was checked when it was claimed. */
    private void post()
    {
        if (burst.count() > 0)
        {
            final int staged = burst.count();
            final int posted = driver.postRx(burst);
            if (posted != staged)
            {
                throw new IllegalStateException("RX ring of guest " + guest + " took " + posted + " of " + staged +
                    " buffers counted as posted");
            }
        }
    }

    private void claimAll()
    {
        if (failure != null && !closed)
        {
            idd.guestFailed(guest, failure);
            return;
        }
        final int mtu = idd.config.mtu();
        final int ringSize = driver.ringSize();
        while (!closed && freeCount > 0 && tail - head < ringSize) // posted and not completed: this port's count
        {
            final int index = free[freeCount - 1];
            final Claim claim = claims[index];
            final int status;
            try
            {
                status = sender.tryClaim(mtu, claim);
            }
            catch (final RuntimeException ex)
            {
                post(); // before the retire closes the NIC driver, which then cancels them
                idd.guestFailed(guest, ex);
                return;
            }
            if (status != Status.OK)
            {
                if (!waitingForSpace)
                {
                    waitingForSpace = true;
                    sender.registerForSpace(idd.waitset, onSpace);
                }
                return;
            }
            final long address = claim.address();
            final int offset = (int)(address & (idd.pageSize - 1));
            if (offset + mtu > idd.pageSize)
            {
                sender.abort(claim);
                post();
                idd.guestFailed(guest, new IllegalStateException("RX claim at offset " + offset + " of " + mtu +
                    " bytes crosses a page: the NIC takes one buffer per descriptor"));
                return;
            }
            frames[index] = pins.pin(address);
            freeCount--;
            order[(int)tail++ & mask] = index;
            burst.add(frames[index], offset, mtu, index); // room was checked above; posted after the loop
        }
    }

    @Override
    public void onRxDone(final long cookie, final int length, final int error)
    {
        final int index = (int)cookie;
        if (head == tail || order[(int)head & mask] != index)
        {
            throw new IllegalStateException("RX completion of buffer " + index + " out of posted order");
        }
        head++;
        pins.release(frames[index]); // the device no longer reaches it
        final Claim claim = claims[index];
        try
        {
            if (error == NicDescriptor.ERROR_NONE && length > 0)
            {
                claim.shrink(length);
                sender.commit(claim);
                packets++;
                bytes += length;
            }
            else
            {
                if (error != NicCompletionHandler.ERROR_CANCELLED)
                {
                    errors++;
                }
                sender.abort(claim);
            }
        }
        catch (final ChannelClosedException ex)
        {
            // Torn down meanwhile: the claim ended with the channel.
        }
        catch (final RuntimeException ex)
        {
            // The guest broke its channel (e.g. a posted grant the hypervisor refused at the commit's grant copy):
            // retired from the refill, on the waitset, not from inside the NIC driver's completion loop.
            if (failure == null)
            {
                failure = ex;
            }
        }
        free[freeCount++] = index;
        if (!closed && kick.state() == WaitsetChannel.State.UNREGISTERED)
        {
            kick.register(idd.waitset, refill); // after this completion batch: one refill, not one per frame
            kick.trigger();
        }
    }

    @Override
    public void onTxDone(final long cookie, final int error)
    {
        throw new IllegalStateException("RX port of guest " + guest + " posts no TX buffers");
    }

    /** For tests: the frame pinned for the oldest buffer posted to the NIC and not yet completed, or -1. */
    int framePosted()
    {
        return head == tail ? -1 : frames[order[(int)head & mask]];
    }

    /** Stops the port: the NIC driver was closed first (its cancellations unpinned and aborted every claim). */
    void close()
    {
        closed = true;
        kick.deregister();
        pins.releaseAll(); // before the channel's teardown frees or unmaps what they hold
        channel.close();
    }
}
