package io.barge.core.copy;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportOptions;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A sender that bypasses the kernel and writes notifications of its own: the receiver must detect it, break only
 * that channel and lose nothing else.
 */
@Timeout(30)
class CopyChannelPeerTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private CopyTransport transport;
    private Domain a;
    private Domain b;
    private LeakCheck leaks;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(4096);
        kernel = new Kernel(memory);
        leaks = LeakCheck.of(kernel);
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

    @Test
    void forgedNotificationWithoutKernelCopyBreaksOnlyThatChannel()
    {
        final ChannelConfig config = ChannelConfig.defaults().withMaxMessageLength(4096).withCapacity(8);
        final CopyChannel victim = (CopyChannel)transport.open(a, b, config);
        final CopyChannel bystander = (CopyChannel)transport.open(a, b, config);

        final NotifySender forger = victim.notifyChannel().sender();
        final int at = forger.tryClaim();
        assertTrue(at >= 0);
        forger.buffer().putLong(at, 100);
        forger.commit(CopyNotificationDescriptor.TYPE_DATA, 8);

        final Message message = victim.receiver().newMessage();
        assertThrows(ProtocolViolationException.class, () -> victim.receiver().poll(message));
        assertEquals(1, b.counter(CounterType.PROTOCOL_VIOLATIONS));
        assertFalse(victim.isOpen());
        assertThrows(ChannelClosedException.class, () -> victim.receiver().poll(message));
        assertThrows(ChannelClosedException.class, () -> victim.sender().tryClaim(8, new Claim()));

        final Claim claim = bystander.sender().newClaim();
        assertEquals(Status.OK, bystander.sender().tryClaim(16, claim));
        claim.putLong(0, 77L);
        claim.putLong(8, 78L);
        bystander.sender().commit(claim);
        final Message good = bystander.receiver().newMessage();
        assertEquals(Status.OK, bystander.receiver().poll(good));
        assertEquals(77L, good.getLong(0));
        assertEquals(78L, good.getLong(8));
        bystander.receiver().release(good);

        victim.close();
        bystander.close();
        leaks.assertNothingLeaked();
    }

    @Test
    void notifiedLengthThatDisagreesWithTheKernelRecordIsRejected()
    {
        final CopyChannel channel = (CopyChannel)transport.open(a, b, ChannelConfig.defaults().withCapacity(8));
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
        claim.setMemory(0, 64, (byte)1);
        channel.sender().commit(claim);
        // The peer rewrites the length of the published notification, as a malicious sender may.
        final NotifySender notifySender = channel.notifyChannel().sender();
        final int at = notifySender.tryClaim();
        notifySender.buffer().putLong(at, 1 << 30);
        notifySender.commit(CopyNotificationDescriptor.TYPE_DATA, 8);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message), "the honest message still arrives");
        assertEquals(64, message.length());
        channel.receiver().release(message);
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(message));
        channel.close();
        leaks.assertNothingLeaked();
    }

    @Test
    void copyCountsTwoCopiesPerMessage()
    {
        final CopyChannel channel = (CopyChannel)transport.open(a, b, ChannelConfig.defaults().withCapacity(8));
        final Claim claim = channel.sender().newClaim();
        final Message message = channel.receiver().newMessage();
        for (int i = 0; i < 10; i++)
        {
            assertEquals(Status.OK, channel.sender().tryClaim(1000, claim));
            claim.setMemory(0, 1000, (byte)i);
            channel.sender().commit(claim);
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertEquals((byte)i, message.getByte(999));
            channel.receiver().release(message);
        }
        assertEquals(10_000, a.counter(CounterType.BYTES_COPIED), "copy-in on the sender");
        assertEquals(10_000, b.counter(CounterType.BYTES_COPIED), "copy-out on the receiver");
        channel.close();
        assertEquals(10, a.counter(CounterType.NOTIFICATIONS_SENT), "UMP counts in batches, all in by close");
    }
}
