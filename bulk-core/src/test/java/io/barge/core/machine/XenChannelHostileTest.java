package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Channel;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.barge.core.machine.XenChannelDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile peers on a Xen channel between processes: a front end (the sender's process) or a back end (the
 * receiver's) that writes into the shared ring and grant table what no correct peer writes. Each time the victim
 * end gets a {@link ProtocolViolationException} naming the broken rule, now and on every later call; another channel
 * between the same domains goes on; and once both channels are closed every frame is the kernel's again and every
 * grant the kernel mapped was unmapped. The two processes are two clients of one kernel service; the hostile end
 * writes through its own mapping of the channel, as a process would.
 */
@Timeout(30)
class XenChannelHostileTest
{
    private static final int MAX = 1024;
    private static final ChannelConfig CONFIG = new ChannelConfig(MAX, 4, ChannelConfig.Notification.UMP);

    @TempDir
    Path dir;
    private final List<Throwable> conductorErrors = new ArrayList<>();
    private KernelService service;
    private MachineClient frontClient;
    private MachineClient backClient;
    private ProcessTransport front;
    private ProcessTransport back;
    private int frontDomain;
    private int backDomain;
    private int freeAtStart;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void start()
    {
        service = MachineClientTest.service(dir, conductorErrors);
        frontClient = MachineClient.attach(dir);
        backClient = MachineClient.attach(dir);
    }

    private void open(final String grants)
    {
        front = ProcessTransport.open(frontClient, ProcessTransport.XEN, Map.of(ProcessTransport.GRANTS, grants));
        back = ProcessTransport.open(backClient, ProcessTransport.XEN, Map.of(ProcessTransport.GRANTS, grants));
        frontDomain = front.kernelDomainId(front.createDomain("front"));
        backDomain = back.kernelDomainId(back.createDomain("back"));
        freeAtStart = service.kernel().freeFrames();
    }

    /** @return {sender, receiver} of a new channel from the front end's domain to the back end's. */
    private Object[] channel()
    {
        final int id = front.createChannel(frontDomain, backDomain, CONFIG);
        final Channel sending = front.openChannel(id);
        final Channel receiving = back.openChannel(id);
        channels.add(sending);
        channels.add(receiving);
        return new Object[]{sending.sender(), receiving.receiver()};
    }

    @AfterEach
    void stop()
    {
        try
        {
            if (front != null)
            {
                front.close();
                back.close();
            }
            backClient.close();
            frontClient.close();
        }
        finally
        {
            service.close();
        }
        assertEquals(List.of(), conductorErrors);
    }

    /** Closes every channel, then checks that the kernel has every frame back and undid every map. */
    private void assertNothingLeaked()
    {
        for (final Channel channel : channels)
        {
            channel.close();
        }
        final Kernel kernel = service.kernel();
        assertEquals(freeAtStart, kernel.freeFrames(), "every channel frame is the kernel's again");
        final Domain backEnd = kernel.domain(backDomain);
        assertEquals(backEnd.counter(XenGrantOps.GRANT_MAPS), backEnd.counter(XenGrantOps.GRANT_UNMAPS),
            "every persistent map was undone when its channel was freed");
    }

    private static void send(final Sender sender, final long value, final int length)
    {
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(length, claim));
        claim.buffer().putLong(0, value);
        sender.commit(claim);
    }

    /** The other channel goes on: a message through it, in both grant modes' ways. */
    private static void assertGoesOn(final Object[] other)
    {
        send((Sender)other[0], 77, 300);
        final Receiver receiver = (Receiver)other[1];
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message), "the other channel goes on");
        assertEquals(77L, message.buffer(0).getLong(0));
        assertEquals(300, message.length());
        receiver.release(message);
    }

    @ParameterizedTest(name = "{0} grants, {1}")
    @CsvSource({"persistent, unknown id", "persistent, repeated id", "copy, unknown id", "copy, repeated id"})
    void aBackEndAnsweringARequestNotInFlightBreaksOnlyThatSender(final String grants, final String lie)
    {
        open(grants);
        final Object[] victim = channel();
        final Object[] other = channel();
        final XenSpiSender sender = (XenSpiSender)victim[0];
        final XenSpiReceiver receiver = (XenSpiReceiver)victim[1];
        send(sender, 1, 100);
        send(sender, 2, 100);
        int responses = 0;
        if (lie.equals("repeated id"))
        {
            final Message message = receiver.newMessage();
            assertEquals(Status.OK, receiver.poll(message));
            receiver.release(message); // response 0 answers request 0, honestly
            responses = 1;
        }
        // The back end's process writes a response: id 3 was never sent; id 0 was answered already.
        putResponse(receiver.ring, slotOffset(responses, receiver.slotMask), lie.equals("unknown id") ? 3 : 0,
            RSP_OKAY);
        indexRelease(receiver.ring, RSP_PROD_OFFSET, responses + 1);
        final Claim claim = sender.newClaim();
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> sender.tryClaim(64, claim), "two of four out: the claim takes the responses");
        assertTrue(broken.getMessage().contains("which is not in flight"), broken.getMessage());
        assertTrue(broken.getMessage().contains(lie.equals("unknown id") ? "id=3" : "answered already"),
            broken.getMessage());
        assertFalse(claim.isActive());
        assertThrows(ProtocolViolationException.class, () -> sender.tryClaim(64, claim), "broken for good");
        assertGoesOn(other);
        assertNothingLeaked();
    }

    @Test
    void aBackEndAnsweringBeforeTheKernelsCopyEndedBreaksTheSender()
    {
        open("copy");
        final Object[] victim = channel();
        final Object[] other = channel();
        final XenSpiSender sender = (XenSpiSender)victim[0];
        final XenSpiReceiver receiver = (XenSpiReceiver)victim[1];
        send(sender, 1, 100);
        send(sender, 2, 100);
        // As if a copy of buffer 0's page were under way: the kernel's in-use bit is set on its grant.
        final int entry = entryOffset(FIRST_REF);
        final long status = statusAcquire(sender.table, entry);
        assertTrue(compareAndSetStatus(sender.table, entry, status, status | GTF_READING));
        putResponse(receiver.ring, slotOffset(0, receiver.slotMask), 0, RSP_OKAY);
        indexRelease(receiver.ring, RSP_PROD_OFFSET, 1);
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> sender.tryClaim(64, sender.newClaim()));
        assertTrue(broken.getMessage().contains("still in use"), broken.getMessage());
        assertGoesOn(other);
        assertNothingLeaked();
    }

    @ParameterizedTest(name = "persistent grants, {0}")
    @ValueSource(strings = {"foreign ref", "ref 0", "crossing the page", "lengths not adding up", "id in flight",
        "id out of range", "ungranted ref", "granted to another domain", "granted frame not the ref's page",
        "req_prod overflow"})
    void aFrontEndsBadRequestBreaksOnlyThatReceiver(final String lie)
    {
        badRequest("persistent", lie);
    }

    @ParameterizedTest(name = "copy grants, {0}")
    @ValueSource(strings = {"foreign ref", "crossing the page", "id in flight", "ungranted ref",
        "granted to another domain", "granted frame not the ref's page"})
    void aFrontEndsBadRequestBreaksOnlyThatReceiverInCopyMode(final String lie)
    {
        badRequest("copy", lie);
    }

    private void badRequest(final String grants, final String lie)
    {
        open(grants);
        final Object[] victim = channel();
        final Object[] other = channel();
        final XenSpiSender sender = (XenSpiSender)victim[0];
        final XenSpiReceiver receiver = (XenSpiReceiver)victim[1];
        final int frameSize = sender.frameSize;
        send(sender, 1, 100); // request 0, id 0: delivered and held below
        final Message held = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(held));
        assertEquals(1L, held.buffer(0).getLong(0));

        // The front end's process writes request 1 itself: buffer 1's page, ref 2, unless the lie says otherwise.
        int id = 1;
        int ref = FIRST_REF + 1;
        int start = 0;
        int length = 64;
        int segmentLength = 64;
        int producer = 2;
        final AtomicBuffer table = sender.table;
        switch (lie)
        {
            case "foreign ref" -> ref = FIRST_REF + sender.poolPages;
            case "ref 0" -> ref = 0;
            case "crossing the page" ->
            {
                start = frameSize - 32;
                length = segmentLength = 64;
            }
            case "lengths not adding up" -> length = 65;
            case "id in flight" -> id = 0;
            case "id out of range" -> id = sender.bufferCount;
            case "ungranted ref" ->
            {
                // Persistent: granted at open, ended before its first use; copy: never granted for this request.
                endAccess(table, entryOffset(ref), backDomain);
            }
            case "granted to another domain" -> grant(table, entryOffset(ref), frontDomain, poolFrameOf(sender, ref));
            case "granted frame not the ref's page" ->
                grant(table, entryOffset(ref), backDomain, poolFrameOf(sender, FIRST_REF));
            case "req_prod overflow" -> producer = 1 + sender.bufferCount + 1;
            default -> fail(lie);
        }
        if (grants.equals("copy") && !lie.equals("ungranted ref") && !lie.startsWith("granted"))
        {
            grant(table, entryOffset(FIRST_REF + 1), backDomain, poolFrameOf(sender, FIRST_REF + 1));
        }
        final int slot = slotOffset(1, sender.slotMask);
        putRequest(sender.ring, slot, id, length, 1);
        putSegment(sender.ring, segmentOffset(slot, 0), ref, start, segmentLength);
        indexRelease(sender.ring, REQ_PROD_OFFSET, producer);

        final Message next = receiver.newMessage();
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> receiver.poll(next));
        final String expected = switch (lie)
        {
            case "foreign ref", "ref 0", "crossing the page" -> "does not name a reference";
            case "lengths not adding up" -> "add up to 64 bytes, not its length=65";
            case "id in flight" -> "(id 0 is in flight: held here)";
            case "id out of range" -> "id=" + sender.bufferCount;
            case "req_prod overflow" -> "req_prod=" + producer;
            default -> "the kernel refused its grants";
        };
        assertTrue(broken.getMessage().contains(expected), broken.getMessage());
        assertFalse(next.isHeld(), "nothing delivered");
        assertThrows(ProtocolViolationException.class, () -> receiver.poll(next), "broken for good");
        assertThrows(ProtocolViolationException.class, () -> receiver.release(held),
            "the held message is given back, but the channel stays broken");
        assertFalse(held.isHeld());
        assertGoesOn(other);
        assertNothingLeaked();
    }

    @Test
    void persistentGrantsAreMappedOnceThenNothingGoesToTheKernelPerMessage()
    {
        open("persistent");
        final Object[] pair = channel();
        final Sender sender = (Sender)pair[0];
        final Receiver receiver = (Receiver)pair[1];
        final Domain backEnd = service.kernel().domain(backDomain);
        final Message message = receiver.newMessage();
        long mapsAfterWarmUp = 0;
        for (int i = 0; i < 40; i++)
        {
            send(sender, i, 8 + i * 25);
            assertEquals(Status.OK, receiver.poll(message));
            assertEquals(i, message.buffer(0).getLong(0));
            assertEquals(8 + i * 25, message.length());
            receiver.release(message);
            if (i == 9)
            {
                mapsAfterWarmUp = backEnd.counter(XenGrantOps.GRANT_MAPS);
            }
        }
        assertTrue(mapsAfterWarmUp >= 1 && mapsAfterWarmUp <= 4, "at most the pool's four pages mapped: " +
            mapsAfterWarmUp);
        assertEquals(mapsAfterWarmUp, backEnd.counter(XenGrantOps.GRANT_MAPS),
            "30 more messages over pages mapped already: nothing more mapped");
        final long maps = mapsAfterWarmUp;
        assertEquals(0, backEnd.counter(XenGrantOps.GRANT_COPIES));
        assertNothingLeaked();
        assertEquals(maps, backEnd.counter(XenGrantOps.GRANT_UNMAPS), "the maps undone when the channel was freed");
    }

    @Test
    void copyGrantsCopyEachMessageThroughTheKernelIntoPagesTheFrontEndCannotChange()
    {
        open("copy");
        final Object[] pair = channel();
        final XenSpiSender sender = (XenSpiSender)pair[0];
        final Receiver receiver = (Receiver)pair[1];
        final Domain backEnd = service.kernel().domain(backDomain);
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(200, claim));
        claim.buffer().putLong(0, 5);
        final long written = claim.address();
        sender.commit(claim);
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message));
        // The front end rewrites its page after the copy: the back end's message does not change.
        sender.domain().addressSpace().putLong(written, 6);
        assertEquals(5L, message.buffer(0).getLong(0));
        receiver.release(message);
        assertEquals(1, backEnd.counter(XenGrantOps.GRANT_COPIES));
        assertEquals(200, backEnd.counter(io.barge.core.CounterType.BYTES_COPIED));
        assertEquals(0, backEnd.counter(XenGrantOps.GRANT_MAPS));
        assertEquals(0, statusAcquire(sender.table, entryOffset(FIRST_REF)) & GTF_READING,
            "the kernel's in-use bit is cleared after the copy");
        assertNothingLeaked();
    }

    @Test
    void onlyTheBackEndMayAskForGrantOpsAndOnlyTheChannelsOwn()
    {
        open("persistent");
        final Object[] pair = channel();
        final XenSpiSender sender = (XenSpiSender)pair[0];
        final int channelId = sender.channelId();
        final long[] segment = {segmentWord(FIRST_REF, 0, 64)};
        final KernelRefusedException notOwner = assertThrows(KernelRefusedException.class,
            () -> frontClient.grantOp(channelId, ControlProtocolDescriptor.GRANT_MAP, 0, segment, 1, "test"));
        assertTrue(notOwner.getMessage().contains("NOT_OWNER"), notOwner.getMessage());
        final KernelRefusedException wrongOp = assertThrows(KernelRefusedException.class,
            () -> backClient.grantOp(channelId, ControlProtocolDescriptor.GRANT_COPY, 0, segment, 1, "test"));
        assertTrue(wrongOp.getMessage().contains("BAD_GRANT") && wrongOp.getMessage().contains("MAP"),
            wrongOp.getMessage());
        assertEquals(1, backClient.grantOp(channelId, ControlProtocolDescriptor.GRANT_MAP, 0, segment, 1, "test"));
        final KernelRefusedException twice = assertThrows(KernelRefusedException.class,
            () -> backClient.grantOp(channelId, ControlProtocolDescriptor.GRANT_MAP, 0, segment, 1, "test"));
        assertTrue(twice.getMessage().contains("mapped already"), twice.getMessage());
        assertEquals(GTF_READING, flags(statusAcquire(sender.table, entryOffset(FIRST_REF))) & GTF_READING,
            "a mapped grant is in use: the front end cannot end it");
        assertFalse(endAccess(sender.table, entryOffset(FIRST_REF), backDomain));
        final Domain backEnd = service.kernel().domain(backDomain);
        assertEquals(1, backEnd.counter(XenGrantOps.GRANT_MAPS));
        assertEquals(2, backEnd.counter(XenGrantOps.GRANT_ERRORS), "the wrong op and the second map");
        assertNothingLeaked(); // the map undone (counted) when the channel was freed
    }

    private static int poolFrameOf(final XenSpiSender sender, final int ref)
    {
        return sender.poolFrame + ref - FIRST_REF;
    }
}
