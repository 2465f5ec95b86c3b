package io.barge.core.machine;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.barge.core.machine.RbufsChannelDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The SPI's process ends against a raw end of the same channel (the ends speak one protocol): a raw peer that
 * speaks it well interoperates, end of stream included; one that writes what no correct peer writes (a buffer sent
 * twice, an end of stream that lies, a record of no known type, a return of a buffer never sent) breaks that channel
 * only, with a typed {@link ProtocolViolationException} now and on every later call, while another channel goes on.
 * And the SPI's views are the channel's frames in place, with the end's rights.
 */
@Timeout(30)
class ProcessTransportPeerTest
{
    private static final int MAX = 1024;
    private static final ChannelConfig CONFIG = new ChannelConfig(MAX, 4, ChannelConfig.Notification.UMP);

    @TempDir
    Path dir;
    private final List<Throwable> conductorErrors = new ArrayList<>();
    private KernelService service;
    private MachineClient spiClient;
    private MachineClient rawClient;
    private ProcessTransport transport;
    private Domain spiDomain;
    private int rawDomain;
    /** A thread that stays alive between the calls it makes, as an end's own thread does. */
    private final ExecutorService endThread = Executors.newSingleThreadExecutor();

    @BeforeEach
    void start()
    {
        service = MachineClientTest.service(dir, conductorErrors);
        spiClient = MachineClient.attach(dir);
        rawClient = MachineClient.attach(dir);
        rawDomain = rawClient.createDomain("raw");
    }

    private void open(final String kind)
    {
        transport = ProcessTransport.open(spiClient, kind);
        spiDomain = transport.createDomain("spi");
    }

    @AfterEach
    void stop()
    {
        endThread.shutdownNow();
        if (transport != null)
        {
            transport.close();
        }
        rawClient.close();
        spiClient.close();
        service.close();
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aRawRbufsSenderInteroperatesThenSendingAHeldBufferAgainBreaksOnlyThatChannel()
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(rawDomain, transport.kernelDomainId(spiDomain), CONFIG);
        final int otherId = transport.createChannel(rawDomain, transport.kernelDomainId(spiDomain), CONFIG);
        final ProcessRbufsSender raw = rawClient.openRbufsSender(id);
        final ProcessRbufsSender otherRaw = rawClient.openRbufsSender(otherId);
        final Receiver receiver = transport.openChannel(id).receiver();
        final Receiver other = transport.openChannel(otherId).receiver();
        assertEquals(4, raw.bufferCount(), "capacity 4: four buffers");

        assertTrue(RbufsChannelTest.send(raw, 0, 100));
        final Message held = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(held));
        assertEquals(100, held.length());
        assertEquals(0, held.buffer(0).getInt(0), "the raw sender's bytes, in place");
        // The raw sender lies: the buffer held here goes out again in a second IOrec.
        final long producer = indexAcquire(raw.ring, TX_PRODUCER_OFFSET);
        putIoRec(raw.ring, TX_RING_OFFSET + (int)(producer & raw.slotMask) * IOREC_LENGTH,
            raw.ring.getInt(TX_RING_OFFSET + BASE_OFFSET), 100, FLAG_DATA);
        indexRelease(raw.ring, TX_PRODUCER_OFFSET, producer + 1);
        final Message again = receiver.newMessage();
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class, () -> receiver.poll(again));
        assertTrue(broken.getMessage().contains("again while it is held"), broken.getMessage());
        assertThrows(ProtocolViolationException.class, () -> receiver.poll(again), "broken for good");

        assertTrue(RbufsChannelTest.send(otherRaw, 7, 64));
        final Message fine = other.newMessage();
        assertEquals(Status.OK, other.poll(fine), "the other channel goes on");
        assertEquals(7, fine.buffer(0).getInt(0));
        other.release(fine);
    }

    @Test
    void anRbufsEndOfStreamThatDoesNotMatchTheIoRecsPushedBreaksTheReceiver()
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(rawDomain, transport.kernelDomainId(spiDomain), CONFIG);
        final ProcessRbufsSender raw = rawClient.openRbufsSender(id);
        final Receiver receiver = transport.openChannel(id).receiver();
        assertTrue(RbufsChannelTest.send(raw, 0, 64));
        indexRelease(raw.ring, END_OF_STREAM_OFFSET, 1 + 5); // "five messages before the end": one was pushed
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message), "what was pushed is delivered");
        receiver.release(message);
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> receiver.poll(message));
        assertTrue(broken.getMessage().contains("end of stream"), broken.getMessage());
        assertFalse(receiver.isEndOfStream());
    }

    @Test
    void anRbufsReturnOfABufferNeverSentBreaksTheSpiSender()
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG);
        final Sender sender = transport.openChannel(id).sender();
        final ProcessRbufsReceiver raw = rawClient.openRbufsReceiver(id);
        final Claim claim = sender.newClaim();
        for (int i = 0; i < 2; i++) // two of four out: the next claim looks at the returns
        {
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            claim.buffer().putLong(0, i);
            sender.commit(claim);
        }
        // The raw receiver returns buffer 3, which was never sent.
        putIoRec(raw.ring, raw.returnRing, 3 * raw.stride, 64, FLAG_FREE);
        indexRelease(raw.ring, RETURN_PRODUCER_OFFSET, 1);
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> sender.tryClaim(64, claim));
        assertTrue(broken.getMessage().contains("return 0"), broken.getMessage());
        assertFalse(claim.isActive());
        assertThrows(ProtocolViolationException.class, () -> sender.tryClaim(64, claim), "broken for good");
    }

    @Test
    void theSpiRbufsSendersFinishIsInvisibleToARawReceiverWhichDrainsThenHearsTheClose()
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG);
        final Channel channel = transport.openChannel(id);
        final Sender sender = channel.sender();
        final ProcessRbufsReceiver raw = rawClient.openRbufsReceiver(id);
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(64, claim));
        claim.buffer().putLong(0, 42);
        sender.commit(claim);
        sender.finish();
        final long[] first = new long[1];
        assertEquals(1, raw.poll((buffer, offset, length) -> first[0] = buffer.getLong(offset), 4));
        assertEquals(42L, first[0]);
        assertEquals(0, raw.poll((buffer, offset, length) -> fail("nothing more"), 4));
        channel.close();
        final PeerGoneException gone = assertThrows(PeerGoneException.class,
            () -> raw.poll((buffer, offset, length) -> fail("nothing more"), 4));
        assertTrue(gone.getMessage().contains("closed the channel"), gone.getMessage());
        assertThrows(ChannelClosedException.class, () -> sender.tryClaim(64, claim));
    }

    @Test
    void aCloseFromAnotherThreadIsReleasedAtTheEndsNextCallAndOnlyThenDoesThePeerHearIt() throws Exception
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG);
        final ProcessSpiChannel channel = (ProcessSpiChannel)transport.openChannel(id);
        final Sender sender = channel.sender();
        final ProcessRbufsReceiver raw = rawClient.openRbufsReceiver(id);
        final Claim claim = sender.newClaim();
        onEndThread(() ->
        {
            assertEquals(Status.OK, sender.tryClaim(64, claim));
            claim.buffer().putLong(0, 42);
            sender.commit(claim);
        });

        channel.close(); // the end's thread is alive and may be inside a call: nothing is released yet
        assertFalse(channel.isReleased(), "the end has not been quiescent since the close");
        final long[] got = new long[1];
        assertEquals(1, raw.poll((buffer, offset, length) -> got[0] = buffer.getLong(offset), 4));
        assertEquals(42L, got[0], "what was committed before the close is delivered");
        assertEquals(0, raw.poll((buffer, offset, length) -> fail("nothing more"), 4),
            "the kernel has not been told: the peer sees an open, empty channel");

        final Throwable thrown = onEndThread(() -> assertThrows(ChannelClosedException.class,
            () -> sender.tryClaim(64, claim)));
        assertTrue(thrown.getMessage().contains("closed"), thrown.getMessage());
        assertTrue(channel.isReleased(), "the end's next call saw the close and ran the release");
        final PeerGoneException gone = assertThrows(PeerGoneException.class,
            () -> raw.poll((buffer, offset, length) -> fail("nothing more"), 4));
        assertTrue(gone.getMessage().contains("closed the channel"), gone.getMessage());
    }

    @Test
    void aCloseIsReleasedAtOnceOnTheEndsOwnThreadOrOnceItsThreadHasEnded() throws Exception
    {
        open(ProcessTransport.RBUFS);
        final ProcessSpiChannel own = (ProcessSpiChannel)transport.openChannel(
            transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG));
        final Claim claim = own.sender().newClaim();
        assertEquals(Status.OK, own.sender().tryClaim(64, claim));
        own.sender().commit(claim);
        own.close();
        assertTrue(own.isReleased(), "closed on the end's own thread");

        final ProcessSpiChannel ended = (ProcessSpiChannel)transport.openChannel(
            transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG));
        final Sender sender = ended.sender();
        final Thread thread = new Thread(() ->
        {
            final Claim other = sender.newClaim();
            if (sender.tryClaim(64, other) == Status.OK)
            {
                sender.commit(other);
            }
        }, "ended-end");
        thread.start();
        thread.join(10_000);
        assertFalse(thread.isAlive());
        ended.close();
        assertTrue(ended.isReleased(), "the end's thread has ended: nothing of it can be in flight");
    }

    @Test
    void aTransportClosedWhileAnEndsThreadLivesKeepsItsViewUntilThatEndsNextCall() throws Exception
    {
        open(ProcessTransport.RBUFS);
        final int id = transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG);
        final ProcessSpiChannel channel = (ProcessSpiChannel)transport.openChannel(id);
        final Sender sender = channel.sender();
        final ProcessRbufsReceiver raw = rawClient.openRbufsReceiver(id);
        final Claim claim = sender.newClaim();
        onEndThread(() -> assertEquals(Status.OK, sender.tryClaim(64, claim)));
        transport.close();
        assertFalse(channel.isReleased());
        assertThrows(IllegalStateException.class, () -> transport.createDomain("late"), "closed for new work");
        // The claim still held is a view of the channel's frames through the local view, which must still be
        // mapped: the end's thread may be writing through it right now.
        onEndThread(() -> claim.buffer().putLong(0, 7));
        onEndThread(() -> assertThrows(ChannelClosedException.class, () -> sender.commit(claim)));
        assertTrue(channel.isReleased());
        assertThrows(PeerGoneException.class, () -> raw.poll((buffer, offset, length) -> { }, 4));
    }

    /** Runs a step on {@link #endThread}, bounded, its failure this test's. */
    private <T> T onEndThread(final Callable<T> step) throws Exception
    {
        return endThread.submit(step).get(10, TimeUnit.SECONDS);
    }

    private void onEndThread(final Runnable step) throws Exception
    {
        endThread.submit(step).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRawRingSenderInteroperatesThenARecordOfNoKnownTypeBreaksTheSpiReceiver()
    {
        open(ProcessTransport.RING);
        final int id = transport.createChannel(rawDomain, transport.kernelDomainId(spiDomain), CONFIG);
        final ProcessSender raw = rawClient.openSender(id);
        final Receiver receiver = transport.openChannel(id).receiver();
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[MAX]);
        bytes.putLong(0, 5);
        assertEquals(ProcessSender.OK, raw.offer(bytes, 0, 200));
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message));
        assertEquals(200, message.length());
        assertEquals(5L, message.buffer(0).getLong(0));
        receiver.release(message);
        // The next record: a length, and a type no sender writes.
        final int index = ProcessChannelDescriptor.maxRecordLength(200);
        raw.ring.putInt(index + ProcessChannelDescriptor.TYPE_OFFSET, 77);
        ProcessChannelDescriptor.lengthRelease(raw.ring, index, 64);
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> receiver.poll(message));
        assertTrue(broken.getMessage().contains("type=77"), broken.getMessage());
    }

    @Test
    void theSpiRingSendersEndRecordIsSkippedByARawReceiver()
    {
        open(ProcessTransport.RING);
        final int id = transport.createChannel(transport.kernelDomainId(spiDomain), rawDomain, CONFIG);
        final Channel channel = transport.openChannel(id);
        final ProcessReceiver raw = rawClient.openReceiver(id);
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(8, claim));
        claim.buffer().putLong(0, 9);
        channel.sender().commit(claim);
        channel.sender().finish();
        final long[] seen = new long[2];
        final ProcessReceiver.MessageHandler handler = (DirectBuffer buffer, int offset, int length) ->
        {
            seen[0]++;
            seen[1] = buffer.getLong(offset);
        };
        assertEquals(1, raw.poll(handler, 8));
        assertEquals(0, raw.poll(handler, 8), "the END record is consumed, not delivered");
        assertArrayEquals(new long[]{1, 9}, seen);
    }

    @Test
    void claimsAndMessagesAreTheChannelsFramesInPlaceWithEachEndsRights()
    {
        open(ProcessTransport.RBUFS);
        final Domain other = transport.createDomain("spi receiver");
        final Channel channel = transport.open(spiDomain, other, CONFIG);
        final Sender sender = channel.sender();
        final Receiver receiver = channel.receiver();
        assertSame(spiDomain, sender.domain());
        assertSame(other, receiver.domain());
        assertEquals("spi", sender.domain().name());
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(MAX, claim));
        claim.buffer().putLong(MAX - 8, 0x1234_5678L);
        sender.commit(claim);
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message));
        assertEquals(0x1234_5678L, message.buffer(0).getLong(MAX - 8));
        assertThrows(ProtectionFault.class, () -> other.addressSpace().putLong(message.pieceAddress(0), 1),
            "the receiver's stand-in maps the data area read-only");
        // In place: the sender's view and the receiver's are the same bytes of the memory file.
        assertEquals(sender.domain().addressSpace().frameAt(claim.address()),
            other.addressSpace().frameAt(message.pieceAddress(0)));
        receiver.release(message);
        assertThrows(io.barge.core.OutOfFramesException.class,
            () -> spiDomain.kernel().allocateFrame(spiDomain, false),
            "a stand-in's kernel holds every frame: it can never hand out the real kernel's");
    }
}
