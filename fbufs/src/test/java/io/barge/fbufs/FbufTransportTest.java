package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.ChannelPath;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FbufTransportTest extends FbufFixture
{
    static List<FbufMode> modes()
    {
        return Arrays.asList(FbufMode.ALL);
    }

    @Test
    void providerIsFoundWithEightModes()
    {
        final TransportProvider provider = Transports.find("fbufs");
        assertEquals(8, provider.modes().size());
        assertEquals(3, provider.options().size());
    }

    @ParameterizedTest
    @MethodSource("modes")
    void messagesOfManySizesCrossIntact(final FbufMode mode)
    {
        final FbufChannel channel = transport(mode).open(a, b, config(64 * 1024, 8));
        for (final int length : new int[]{ 1, 64, 4095, 4096, 4097, 65536 })
        {
            send(channel, length, length);
            receiveAndCheck(channel, length, length);
        }
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void receiverWritingAReceivedFbufFaultsAndTheSendersBytesStay(final FbufMode mode)
    {
        final FbufChannel channel = transport(mode).open(a, b, config(4096, 8));
        send(channel, 100, 3);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        final long address = message.pieceAddress(0);
        assertThrows(ProtectionFault.class, () -> b.addressSpace().putByte(address, (byte)99));
        assertEquals((byte)3, a.addressSpace().getByte(address));
        assertContent(message, 100, 3);
        channel.receiver().release(message);
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void nonVolatileSenderLosesItsWriteRightOnSend(final FbufMode mode)
    {
        final FbufChannel channel = transport(mode).open(a, b, config(4096, 8));
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(64, claim));
        final long address = claim.address();
        channel.sender().commit(claim);
        if (mode.isVolatile())
        {
            a.addressSpace().putByte(address, (byte)1);
        }
        else
        {
            assertThrows(ProtectionFault.class, () -> a.addressSpace().putByte(address, (byte)1));
        }
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().release(message);
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void forwardingPassesTheAggregateOnWithoutCopying(final FbufMode mode)
    {
        final ChannelPath hops = transport(mode).openPath(config(16384, 8), a, b, c);
        final FbufChannel first = (FbufChannel)hops.hop(0);
        final FbufChannel second = (FbufChannel)hops.hop(1);
        for (int round = 0; round < 5; round++)
        {
            send(first, 10000, round);
            final Message inbound = first.receiver().newMessage();
            assertEquals(Status.OK, first.receiver().poll(inbound));
            assertEquals(Status.OK, second.sender().forward(inbound));
            assertFalse(inbound.isHeld());
            receiveAndCheck(second, 10000, round);
        }
        assertEquals(0, b.counter(CounterType.BYTES_COPIED));
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void forwarderPrependsItsOwnHeaderFbuf(final FbufMode mode)
    {
        final ChannelPath hops = transport(mode).openPath(config(16384, 8), a, b, c);
        final FbufChannel first = (FbufChannel)hops.hop(0);
        final FbufChannel second = (FbufChannel)hops.hop(1);
        send(first, 1000, 5);
        final Message inbound = first.receiver().newMessage();
        assertEquals(Status.OK, first.receiver().poll(inbound));
        final Aggregate aggregate = new Aggregate(transport.region(), b).wrap(inbound);
        first.receiver().release(inbound);
        final UnsafeBuffer header = new UnsafeBuffer(new byte[16]);
        header.setMemory(0, 16, (byte)0x7F);
        assertEquals(Status.OK, aggregate.prependHeader(second.sender().path(), header, 0, 16));
        assertEquals(Status.OK, second.sender().send(aggregate));
        assertEquals(0, aggregate.length());
        final Message outbound = second.receiver().newMessage();
        assertEquals(Status.OK, second.receiver().poll(outbound));
        assertEquals(1016, outbound.length());
        for (int i = 0; i < 16; i++)
        {
            assertEquals((byte)0x7F, outbound.getByte(i));
        }
        for (int i = 0; i < 1000; i++)
        {
            assertEquals((byte)(5 + i), outbound.getByte(16 + i));
        }
        second.receiver().release(outbound);
        assertEquals(0, transport.region().heldFbufs());
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void fullChannelIsBackPressuredThenRecovers(final FbufMode mode)
    {
        final FbufChannel channel = transport(mode).open(a, b, config(4096, 4));
        final Claim claim = channel.sender().newClaim();
        int sent = 0;
        while (channel.sender().tryClaim(100, claim) == Status.OK)
        {
            channel.sender().commit(claim);
            sent++;
        }
        assertEquals(4, sent);
        final FbufChannel other = transport.open(a, c, config(4096, 4));
        send(other, 10, 1);
        receiveAndCheck(other, 10, 1);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().release(message);
        assertEquals(Status.OK, channel.sender().tryClaim(100, claim));
        channel.sender().abort(claim);
        assertNoLeak();
    }

    @Test
    void doubleReleaseOfAMessageRaisesBufferStateException()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true)).open(a, b, config(4096, 4));
        send(channel, 10, 1);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().release(message);
        assertThrows(BufferStateException.class, () -> channel.receiver().release(message));
        send(channel, 10, 2);
        receiveAndCheck(channel, 10, 2);
        assertNoLeak();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void domainDestroyedWhileHoldingFbufsGivesEverythingBack(final FbufMode mode)
    {
        final ChannelPath hops = transport(mode).openPath(config(8192, 8), a, b, c);
        final FbufChannel first = (FbufChannel)hops.hop(0);
        final FbufChannel unrelated = transport.open(a, c, config(8192, 8));
        final int freeWithUnrelated = kernel.freeFrames();
        for (int i = 0; i < 3; i++)
        {
            send(first, 5000, i);
        }
        final Message held = first.receiver().newMessage();
        assertEquals(Status.OK, first.receiver().poll(held));
        kernel.destroyDomain(b);
        assertFalse(first.isOpen());
        assertFalse(hops.hop(1).isOpen());
        assertTrue(unrelated.isOpen());
        send(unrelated, 100, 9);
        receiveAndCheck(unrelated, 100, 9);
        assertTrue(kernel.freeFrames() >= freeWithUnrelated, "frames of the destroyed path are back");
        unrelated.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
        assertNoLeak();
    }

    @Test
    void lmpNotificationsWork()
    {
        final FbufChannel channel = transport(new FbufMode(true, true, true))
            .open(a, b, new ChannelConfig(4096, 8, ChannelConfig.Notification.LMP));
        for (int i = 0; i < 20; i++)
        {
            send(channel, 200, i);
            receiveAndCheck(channel, 200, i);
        }
        assertNoLeak();
    }

    @Test
    void closingAChannelReturnsMessagesInFlightAndHeld()
    {
        final FbufChannel channel = transport(new FbufMode(false, false, false)).open(a, b, config(8192, 8));
        send(channel, 5000, 1);
        send(channel, 5000, 2);
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(10, claim));
        channel.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
        channel.receiver().release(held);
        assertNoLeak();
    }
}
