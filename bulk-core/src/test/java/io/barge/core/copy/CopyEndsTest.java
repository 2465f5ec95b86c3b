package io.barge.core.copy;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.LmpEndpoint;
import io.barge.core.notify.NotifySender;
import io.barge.core.notify.UmpReceiver;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The copy transport's ends as its notification channel sees them: an LMP receive registration is an idle channel
 * the kernel's delivery triggers, a UMP one a polled channel; a forged end record is a protocol violation.
 */
@Timeout(30)
class CopyEndsTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private CopyTransport transport;
    private int freeAtStart;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(2048);
        kernel = new Kernel(memory);
        freeAtStart = kernel.freeFrames();
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        transport = new CopyTransport(kernel, TransportOptions.parse("copy", List.of(), Map.of()));
    }

    @AfterEach
    void tearDown()
    {
        transport.close();
        kernel.close();
        memory.close();
    }

    private CopyChannel open(final ChannelConfig.Notification kind)
    {
        return (CopyChannel)transport.open(a, b, new ChannelConfig(4096, 8, kind));
    }

    private static void send(final CopyChannel channel)
    {
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
        claim.putLong(0, 42L);
        channel.sender().commit(claim);
    }

    @Test
    void anLmpReceiveRegistrationIsTriggeredByTheKernelsDelivery()
    {
        final CopyChannel channel = open(ChannelConfig.Notification.LMP);
        final Waitset waitset = new Waitset("lmp");
        final AtomicInteger ran = new AtomicInteger();
        channel.receiver().register(waitset, ran::incrementAndGet);
        final WaitsetChannel rx = ((LmpEndpoint)channel.notifyChannel().receiver()).receiveChannel();
        assertEquals(WaitsetChannel.State.IDLE, rx.state(), "an idle channel, not a polled one");
        send(channel);
        // The delivery triggered it; the synchronous optimisation ran the handler at once.
        assertEquals(1, ran.get());
        assertFalse(waitset.poll(), "single shot: nothing more pending");
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aUmpReceiveRegistrationIsPolledByTheWaitset()
    {
        final CopyChannel channel = open(ChannelConfig.Notification.UMP);
        final Waitset waitset = new Waitset("ump");
        final AtomicInteger ran = new AtomicInteger();
        channel.receiver().register(waitset, ran::incrementAndGet);
        final WaitsetChannel rx = ((UmpReceiver)channel.notifyChannel().receiver()).receiveChannel();
        assertEquals(WaitsetChannel.State.POLLED, rx.state());
        assertFalse(waitset.poll(), "nothing sent: the poller says no");
        send(channel);
        assertEquals(0, ran.get(), "UMP sends no trigger: the waitset finds it");
        assertTrue(waitset.poll());
        assertEquals(1, ran.get());
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void anEndRecordWhoseCountDisagreesBreaksOnlyThatChannel()
    {
        final CopyChannel channel = open(ChannelConfig.Notification.UMP);
        final CopyChannel other = (CopyChannel)transport.open(b, a, new ChannelConfig(4096, 8,
            ChannelConfig.Notification.UMP));
        send(channel);
        final NotifySender forger = channel.notifyChannel().sender();
        final int at = forger.tryClaim();
        CopyNotificationDescriptor.count(forger.buffer(), at, 5); // claims 5 messages went before the end: 1 did
        forger.commit(CopyNotificationDescriptor.TYPE_END, CopyNotificationDescriptor.PAYLOAD_LENGTH);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().release(message);
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            () -> channel.receiver().poll(message));
        assertTrue(ex.getMessage().startsWith("copy poll"), ex.getMessage());
        assertFalse(channel.isOpen());
        assertFalse(channel.receiver().isEndOfStream());
        send(other);
        assertEquals(Status.OK, other.receiver().poll(message), "the other channel goes on");
        other.receiver().release(message);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
