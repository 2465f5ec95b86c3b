package io.barge.drivers.idd;

import io.barge.core.ChannelClosedException;
import io.barge.core.Kernel;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Channel;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.notify.WaitsetChannel;
import io.barge.drivers.nic.NicBurst;
import io.barge.drivers.nic.NicCompletionHandler;
import io.barge.drivers.nic.NicDescriptor;
import io.barge.drivers.nic.NicDriver;

/**
 * One guest's transmit path in the driver domain: requests polled off the guest's TX channel, each checked, its
 * frame pinned through the driver domain's mapping ({@link Kernel#pinMappedForDma}, READ) and posted to the NIC by
 * frame, offset and length; on the NIC's completion the frame is unpinned and the request answered ({@code OK} by a
 * release, or {@link Status#ERROR} on a transport with responses). Nothing is copied by the driver domain.
 * <p>
 * The requests taken in one turn are posted to the NIC as one {@link NicBurst}, behind one doorbell.
 * <p>
 * Work waits on the driver domain's waitset: the receiver's registration when the channel is empty, a kick when the
 * NIC ring or the message pool was full and a completion made room. Called only under the driver domain's monitor.
 */
final class TxPort implements NicCompletionHandler
{
    private final DriverDomain idd;
    private final DmaPins pins;
    private final int guest;
    private final Channel channel;
    private final Receiver receiver;
    private final boolean responses;
    private final Message[] messages;
    private final int[] frames;
    private final int[] free;
    private final NicBurst burst;
    private final WaitsetChannel kick;
    private final Runnable onRequests = this::onRequests;
    private final Runnable pumpTask = this::pump; // made once: a method reference per use would be garbage
    private NicDriver driver;
    private int ringSize;
    private int freeCount;
    private boolean registered;
    private boolean stalled;
    private boolean closed;
    long packets;
    long bytes;
    long errors;
    long rejected;

    TxPort(final DriverDomain idd, final int guest, final Channel channel, final boolean responses,
        final DmaPins pins)
    {
        this.idd = idd;
        this.pins = pins;
        this.guest = guest;
        this.channel = channel;
        this.receiver = channel.receiver();
        this.responses = responses;
        final int capacity = idd.config.capacity();
        this.messages = new Message[capacity];
        this.frames = new int[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            messages[i] = receiver.newMessage();
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
        this.burst = new NicBurst(capacity); // each staged request holds a message
        this.kick = new WaitsetChannel("idd-tx-kick " + guest);
    }

    void start(final NicDriver driver)
    {
        this.driver = driver;
        this.ringSize = driver.ringSize();
        register();
    }

    private void register()
    {
        if (!registered && !closed)
        {
            registered = true;
            receiver.register(idd.waitset, onRequests);
        }
    }

    private void onRequests()
    {
        registered = false;
        pump();
    }

    /** Takes requests until the channel is empty, the budget is spent, or there is no room: then waits. */
    void pump()
    {
        take();
        post();
    }

    /** Posts the turn's staged requests behind one doorbell; room for each was checked before its poll. */
    private void post()
    {
        if (burst.count() > 0)
        {
            final int staged = burst.count();
            final int posted = driver.postTx(burst);
            if (posted != staged)
            {
                throw new IllegalStateException("TX ring of guest " + guest + " took " + posted + " of " + staged +
                    " requests counted in flight");
            }
        }
    }

    private void take()
    {
        int work = 0;
        while (!closed)
        {
            // Each request in flight holds one TX descriptor: this port's own count, no call into the driver.
            if (freeCount == 0 || messages.length - freeCount >= ringSize)
            {
                stalled = true; // a completion kicks this port again
                return;
            }
            if (work == idd.config.budget())
            {
                register(); // pending at once: the rest runs after the other ports' turns
                return;
            }
            final int index = free[freeCount - 1];
            final int status;
            try
            {
                status = receiver.poll(messages[index]);
            }
            catch (final RuntimeException ex)
            {
                post(); // the staged requests reach the NIC, whose close on the retire cancels and answers them
                idd.guestFailed(guest, ex); // a ring-level violation or a teardown: this guest only
                return;
            }
            if (status != Status.OK)
            {
                if (status != Status.END_OF_STREAM)
                {
                    register();
                }
                return;
            }
            freeCount--;
            work++;
            transmit(index);
        }
    }

    private void transmit(final int index)
    {
        final Message message = messages[index];
        final int length = message.length();
        if (length > idd.config.mtu() || message.pieceCount() != 1)
        {
            reject(index);
            return;
        }
        final long address = message.pieceAddress(0);
        final int offset = (int)(address & (idd.pageSize - 1));
        if (offset + length > idd.pageSize)
        {
            reject(index); // the NIC takes one buffer per descriptor: a buffer may not cross a page
            return;
        }
        final int frame;
        try
        {
            frame = pins.pin(address);
        }
        catch (final ProtectionFault fault)
        {
            reject(index);
            return;
        }
        frames[index] = frame;
        burst.add(frame, offset, length, index); // posted at the end of the turn
    }

    private void reject(final int index)
    {
        rejected++;
        answer(index, false);
        free[freeCount++] = index;
    }

    @Override
    public void onTxDone(final long cookie, final int error)
    {
        final int index = (int)cookie;
        pins.release(frames[index]); // the device no longer reaches it
        if (error == NicDescriptor.ERROR_NONE)
        {
            packets++;
            bytes += messages[index].length();
        }
        else
        {
            errors++;
        }
        answer(index, error == NicDescriptor.ERROR_NONE);
        free[freeCount++] = index;
        if (stalled && !closed)
        {
            stalled = false;
            if (kick.state() == WaitsetChannel.State.UNREGISTERED)
            {
                kick.register(idd.waitset, pumpTask);
                kick.trigger();
            }
        }
    }

    @Override
    public void onRxDone(final long cookie, final int length, final int error)
    {
        throw new IllegalStateException("TX port of guest " + guest + " posts no RX buffers");
    }

    private void answer(final int index, final boolean ok)
    {
        final Message message = messages[index];
        try
        {
            if (responses && !ok)
            {
                receiver.respond(message, Status.ERROR);
            }
            else
            {
                receiver.release(message); // on xen a release answers OK
            }
        }
        catch (final ChannelClosedException ex)
        {
            // Torn down meanwhile: the channel reclaimed the message's memory itself.
        }
    }

    /** Requests taken and not yet completed: held messages with a pinned frame on the NIC. */
    int inFlight()
    {
        return messages.length - freeCount;
    }

    /** For tests: the frame the driver domain pinned for a request in flight, or -1. */
    int frameInFlight()
    {
        for (int i = 0; i < messages.length; i++)
        {
            if (messages[i].isHeld())
            {
                return frames[i];
            }
        }
        return -1;
    }

    /** Stops the port: the NIC driver was closed first (its cancellations unpinned and answered everything). */
    void close()
    {
        closed = true;
        kick.deregister();
        pins.releaseAll(); // before the channel's teardown frees or unmaps what they hold
        channel.close();
    }
}
