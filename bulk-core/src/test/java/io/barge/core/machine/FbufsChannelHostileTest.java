package io.barge.core.machine;

import io.barge.core.Domain;
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
import java.util.SplittableRandom;

import static io.barge.core.machine.FbufsChannelDescriptor.*;
import static io.barge.core.machine.RbufsChannelDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * An fbufs channel between processes against a hostile peer: a sender that rewrites, after its commit, the root
 * offset or the nodes the receiver is about to walk (volatile fbufs: it keeps its write right), and a receiver that
 * frees runs twice or frees runs never sent. Each breaks that channel alone, with a typed
 * {@link ProtocolViolationException} now and on every later call; another channel between the same domains goes on;
 * and once the channels are closed the kernel has every frame back. The peer here is this process's own end of the
 * channel, written through its mapping of the shared frames: the bytes a peer process would write.
 */
@Timeout(30)
class FbufsChannelHostileTest
{
    private static final int MAX = 16 * 1024;
    private static final int FBUF = 4096;
    /** Three fbufs of data: one leaf as the sender writes it, or three under two pairs ({@link #writeLeafPerFbufTree}). */
    private static final int LENGTH = 10_000;
    private static final ChannelConfig CONFIG = new ChannelConfig(MAX, 4, ChannelConfig.Notification.UMP);

    @TempDir
    Path dir;
    private final List<Throwable> conductorErrors = new ArrayList<>();
    private KernelService service;
    private MachineClient client;
    private ProcessTransport transport;
    private Domain source;
    private Domain sink;
    private int freeAtStart;

    @BeforeEach
    void start()
    {
        service = MachineClientTest.service(dir, conductorErrors);
        freeAtStart = service.kernel().freeFrames();
        client = MachineClient.attach(dir);
        transport = ProcessTransport.open(client, ProcessTransport.FBUFS);
        source = transport.createDomain("source");
        sink = transport.createDomain("sink");
    }

    @AfterEach
    void stop()
    {
        transport.close();
        client.close();
        MachineClientTest.await(() -> service.kernel().freeFrames() == freeAtStart, 10_000,
            "the kernel has every channel frame back");
        service.close();
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aMessageOfSeveralFbufsIsOneLeafOverThemDeliveredInPlaceAsOnePiece()
    {
        try (Channel channel = transport.open(source, sink, CONFIG))
        {
            final FbufsSpiSender sender = (FbufsSpiSender)channel.sender();
            commit(sender, LENGTH, 1);
            final int record = lastRecord(sender);
            final int root = sender.ring.getInt(record + ROOT_OFFSET);
            final int run = sender.ring.getInt(record + BASE_OFFSET);
            // Written by the sender: one leaf over the three consecutive fbufs the bytes take.
            assertEquals(run + nodeAreaOffset(LENGTH), root, "the root is the first node behind the bytes");
            assertEquals(LEAF, sender.data.getInt(root + NODE_TYPE_OFFSET));
            assertEquals(run, sender.data.getInt(root + NODE_LEFT_OFFSET));
            assertEquals(LENGTH, sender.data.getInt(root + NODE_BYTES_OFFSET));

            assertDeliveredInPlaceAsOnePiece(channel, sender, run);
        }
    }

    @Test
    void anAggregateOfALeafPerFbufIsDeliveredInPlaceAsOnePiece()
    {
        try (Channel channel = transport.open(source, sink, CONFIG))
        {
            final FbufsSpiSender sender = (FbufsSpiSender)channel.sender();
            commit(sender, LENGTH, 1);
            final int run = sender.ring.getInt(lastRecord(sender) + BASE_OFFSET);
            final int root = writeLeafPerFbufTree(sender, LENGTH);
            assertEquals(PAIR, sender.data.getInt(root + NODE_TYPE_OFFSET));

            assertDeliveredInPlaceAsOnePiece(channel, sender, run);
        }
    }

    @Test
    void anAggregateWithItsLeavesOutOfOrderIsDeliveredAsItsPiecesInTreeOrder()
    {
        try (Channel channel = transport.open(source, sink, CONFIG))
        {
            final FbufsSpiSender sender = (FbufsSpiSender)channel.sender();
            final Claim claim = sender.newClaim();
            assertEquals(Status.OK, sender.tryClaim(2 * FBUF, claim));
            claim.buffer().putLong(0, 11);
            claim.buffer().putLong(FBUF, 22);
            sender.commit(claim);
            // The sender rewrites its aggregate as a leaf per fbuf, the second fbuf's leaf first, then the first's.
            final int root = writeLeafPerFbufTree(sender, 2 * FBUF);
            final int left = sender.data.getInt(root + NODE_LEFT_OFFSET);
            final int right = sender.data.getInt(root + NODE_RIGHT_OFFSET);
            putNode(sender.data, root, PAIR, 0, right, left);

            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertEquals(2 * FBUF, message.length());
            assertEquals(2, message.pieceCount());
            assertEquals(22L, message.buffer(0).getLong(0));
            assertEquals(11L, message.buffer(1).getLong(0));
            assertEquals(22L, message.getLong(0), "the message reads its pieces in order");
            channel.receiver().release(message);
            commit(sender, 64, 3);
            assertEquals(Status.OK, channel.receiver().poll(message), "the run came back: the channel goes on");
            channel.receiver().release(message);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "root-negative | node -16 is outside the message's fbufs or not aligned",
        "root-in-another-run | is outside the message's fbufs or not aligned",
        "root-misaligned | is outside the message's fbufs or not aligned",
        "root-past-the-message | is outside the message's fbufs or not aligned",
        "length-zero | has length=0",
        "length-too-long | is not a DATA IOrec",
        "bad-type | has type 7",
        "cycle | is its own ancestor",
        "shared-subtree-read-too-often | read 7 of at most 6",
        "long-chain | read 7 of at most 6",
        "leaf-leaves-the-message | is not inside the message's fbufs",
        "leaf-in-another-run | is not inside the message's fbufs",
        "leaf-negative | has -1 bytes",
        "leaf-huge | has 2147483647 bytes",
        "leaves-short | its leaves add up to 9999 bytes",
        "node-in-the-others-message | node 0 is outside the message's fbufs"})
    void aSenderWritingGarbageBreaksOnlyItsChannelForGood(final String garbage, final String rule)
    {
        final Channel victim = transport.open(source, sink, CONFIG);
        final Channel other = transport.open(source, sink, CONFIG);
        final FbufsSpiSender sender = (FbufsSpiSender)victim.sender();
        final Receiver receiver = victim.receiver();
        commit(sender, 64, 1);
        final Message first = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(first), "a sound message first");
        commit(sender, LENGTH, 2);
        scribble(sender, garbage, first);
        final Message message = receiver.newMessage();
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class,
            () -> receiver.poll(message), garbage);
        assertTrue(broken.getMessage().contains("channel " + sender.channelId()), broken.getMessage());
        assertTrue(broken.getMessage().contains(rule), broken.getMessage());
        assertFalse(message.isHeld(), "nothing delivered");
        assertThrows(ProtocolViolationException.class, () -> receiver.poll(message), "broken for good");
        assertFalse(victim.isOpen());

        commit((FbufsSpiSender)other.sender(), LENGTH, 7);
        final Message fine = other.receiver().newMessage();
        assertEquals(Status.OK, other.receiver().poll(fine), "the other channel goes on");
        assertEquals(7L, fine.getLong(0));
        assertEquals(LENGTH, fine.length());
        other.receiver().release(fine);
        victim.close();
        other.close();
    }

    /** The sender rewrites what it committed last (a message of {@link #LENGTH}), as a peer process could. */
    private static void scribble(final FbufsSpiSender sender, final String garbage, final Message othersMessage)
    {
        final AtomicBuffer data = sender.data;
        final int record = lastRecord(sender);
        final int run = sender.ring.getInt(record + BASE_OFFSET);
        final int root = writeLeafPerFbufTree(sender, LENGTH); // the shape the garbage below breaks
        final int leftPair = data.getInt(root + NODE_LEFT_OFFSET);
        final int firstLeaf = data.getInt(leftPair + NODE_LEFT_OFFSET);
        final int thirdLeaf = data.getInt(root + NODE_RIGHT_OFFSET);
        // The other message (held by the receiver) lies in its own run, the one before.
        final int othersRun = (int)(othersMessage.pieceAddress(0) - sender.spi().base);
        switch (garbage)
        {
            case "root-negative" -> sender.ring.putInt(record + ROOT_OFFSET, -NODE_LENGTH);
            case "root-in-another-run" -> sender.ring.putInt(record + ROOT_OFFSET, run + sender.stride);
            case "root-misaligned" -> sender.ring.putInt(record + ROOT_OFFSET, root + 4);
            case "root-past-the-message" -> sender.ring.putInt(record + ROOT_OFFSET, run + 3 * FBUF);
            case "length-zero" -> sender.ring.putInt(record + RbufsChannelDescriptor.LENGTH_OFFSET, 0);
            case "length-too-long" -> sender.ring.putInt(record + RbufsChannelDescriptor.LENGTH_OFFSET, MAX + 1);
            case "bad-type" -> data.putInt(root + NODE_TYPE_OFFSET, 7);
            case "cycle" -> data.putInt(leftPair + NODE_RIGHT_OFFSET, root);
            case "shared-subtree-read-too-often" ->
            {
                // A DAG, not a cycle: each pair's two children one pair, so that the reads double per level.
                putNode(data, root, PAIR, 0, root + NODE_LENGTH, root + NODE_LENGTH);
                putNode(data, root + NODE_LENGTH, PAIR, 0, root + 2 * NODE_LENGTH, root + 2 * NODE_LENGTH);
                putNode(data, root + 2 * NODE_LENGTH, PAIR, 0, root + 3 * NODE_LENGTH, root + 3 * NODE_LENGTH);
                putNode(data, root + 3 * NODE_LENGTH, LEAF, 1, run, 0);
            }
            case "long-chain" ->
            {
                // A chain of pairs, each a new node whose left child is the next: more than the reads allowed.
                final int chain = run + FBUF; // the second fbuf: room for 256 nodes
                for (int i = 0; i < MAX_DEPTH + 1; i++)
                {
                    putNode(data, chain + i * NODE_LENGTH, PAIR, 0, chain + (i + 1) * NODE_LENGTH, firstLeaf);
                }
                sender.ring.putInt(record + ROOT_OFFSET, chain);
            }
            case "leaf-leaves-the-message" -> data.putInt(firstLeaf + NODE_LEFT_OFFSET, run + 3 * FBUF - 8);
            case "leaf-in-another-run" -> data.putInt(firstLeaf + NODE_LEFT_OFFSET, run + sender.stride);
            case "leaf-negative" -> data.putInt(firstLeaf + NODE_BYTES_OFFSET, -1);
            case "leaf-huge" -> data.putInt(firstLeaf + NODE_BYTES_OFFSET, Integer.MAX_VALUE);
            case "leaves-short" -> data.putInt(thirdLeaf + NODE_BYTES_OFFSET, LENGTH - 2 * FBUF - 1);
            case "node-in-the-others-message" -> data.putInt(root + NODE_RIGHT_OFFSET, othersRun);
            default -> fail("no such garbage: " + garbage);
        }
    }

    @Test
    void aReceiverFreeingARunTwiceBreaksOnlyItsSender()
    {
        final Channel victim = transport.open(source, sink, CONFIG);
        final Channel other = transport.open(source, sink, CONFIG);
        final Sender sender = victim.sender();
        final FbufsSpiReceiver receiver = (FbufsSpiReceiver)victim.receiver();
        commit((FbufsSpiSender)sender, 64, 1);
        final Message message = receiver.newMessage();
        assertEquals(Status.OK, receiver.poll(message));
        receiver.release(message); // its return: run 0, length 64
        // The receiver frees the same run again.
        final long producer = indexAcquire(receiver.ring, RETURN_PRODUCER_OFFSET);
        putIoRec(receiver.ring, receiver.returnRing + (int)(producer & receiver.slotMask) * IOREC_LENGTH, 0, 64,
            FLAG_FREE);
        indexRelease(receiver.ring, RETURN_PRODUCER_OFFSET, producer + 1);
        final Claim claim = sender.newClaim();
        final ProtocolViolationException broken = assertThrows(ProtocolViolationException.class, () ->
        {
            for (int i = 0; i < 4; i++) // the sender looks at the returns once half its runs are out
            {
                assertEquals(Status.OK, sender.tryClaim(64, claim));
                sender.commit(claim);
            }
        });
        assertTrue(broken.getMessage().contains("returned twice"), broken.getMessage());
        assertThrows(ProtocolViolationException.class, () -> sender.tryClaim(64, claim), "broken for good");

        commit((FbufsSpiSender)other.sender(), 64, 5);
        final Message fine = other.receiver().newMessage();
        assertEquals(Status.OK, other.receiver().poll(fine), "the other channel goes on");
        assertEquals(5L, fine.getLong(0));
        other.receiver().release(fine);
        victim.close();
        other.close();
    }

    /**
     * Generated garbage: a sender that overwrites its nodes with random words (seeded, printed on failure) either
     * breaks the channel with the typed error or, where the garbage happens to make an aggregate, gets a message
     * whose pieces lie inside the message's own fbufs, adding up to its length; the walk always ends.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 0xC0FFEEL, 0xBADL})
    void randomNodesAreRefusedOrStayInsideTheMessage(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        int refused = 0;
        for (int round = 0; round < 40; round++)
        {
            try (Channel channel = transport.open(source, sink, CONFIG))
            {
                final FbufsSpiSender sender = (FbufsSpiSender)channel.sender();
                commit(sender, LENGTH, round);
                final int record = lastRecord(sender);
                final int run = sender.ring.getInt(record + BASE_OFFSET);
                final int root = writeLeafPerFbufTree(sender, LENGTH); // five nodes for the garbage to rewrite
                for (int node = root; node < root + 5 * NODE_LENGTH; node += NODE_LENGTH)
                {
                    final int type = random.nextInt(4);
                    final int bytes = random.nextBoolean() ? random.nextInt(FBUF + 2) : random.nextInt();
                    final int left = random.nextBoolean() ? root + random.nextInt(5) * NODE_LENGTH :
                        run + random.nextInt(-FBUF, 4 * FBUF);
                    final int right = root + random.nextInt(-1, 6) * NODE_LENGTH;
                    putNode(sender.data, node, type, bytes, left, right);
                }
                final Message message = channel.receiver().newMessage();
                try
                {
                    assertEquals(Status.OK, channel.receiver().poll(message), "seed=" + seed);
                    assertEquals(LENGTH, message.length(), "seed=" + seed);
                    for (int i = 0; i < message.pieceCount(); i++)
                    {
                        final long start = message.pieceAddress(i) - sender.spi().base;
                        assertTrue(start >= run && start + message.pieceLength(i) <= run + 3L * FBUF,
                            "seed=" + seed + " round " + round + " piece " + i + " at " + start);
                    }
                    channel.receiver().release(message);
                }
                catch (final ProtocolViolationException ex)
                {
                    refused++;
                    assertFalse(message.isHeld(), "seed=" + seed);
                }
            }
        }
        assertTrue(refused > 0, "seed=" + seed + ": random nodes were all sound");
    }

    /** Polls the message of {@link #LENGTH} the sender committed (value 1, in run {@code run}) and releases it. */
    private void assertDeliveredInPlaceAsOnePiece(final Channel channel, final FbufsSpiSender sender, final int run)
    {
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertEquals(LENGTH, message.length());
        assertEquals(1, message.pieceCount(), "one leaf, or adjacent leaves: one piece");
        assertEquals(1L, message.buffer(0).getLong(0));
        assertEquals(sender.domain().addressSpace().frameAt(sender.spi().base + run),
            sink.addressSpace().frameAt(message.pieceAddress(0)), "in place: the sender's first fbuf");
        channel.receiver().release(message);
    }

    private static void commit(final FbufsSpiSender sender, final int length, final long value)
    {
        final Claim claim = sender.newClaim();
        assertEquals(Status.OK, sender.tryClaim(length, claim));
        claim.buffer().putLong(0, value);
        sender.commit(claim);
    }

    /**
     * Rewrites the aggregate of the message the sender committed last as a leaf per fbuf under a balanced tree of
     * pairs, root first, in the node area behind its bytes (the layout reserves room for it), as a peer process may:
     * a sound aggregate, and the shape the garbage tests break.
     *
     * @return the root's region offset.
     */
    private static int writeLeafPerFbufTree(final FbufsSpiSender sender, final int length)
    {
        final int record = lastRecord(sender);
        final int run = sender.ring.getInt(record + BASE_OFFSET);
        final int[] cursor = { run + nodeAreaOffset(length) };
        final int root = tree(sender.data, cursor, run, length, 0, dataFbufs(length, FBUF) - 1);
        sender.ring.putInt(record + ROOT_OFFSET, root);
        return root;
    }

    private static int tree(final AtomicBuffer data, final int[] cursor, final int run, final int length,
        final int first, final int last)
    {
        final int node = cursor[0];
        cursor[0] += NODE_LENGTH;
        if (first == last)
        {
            final int start = first * FBUF;
            putNode(data, node, LEAF, Math.min(FBUF, length - start), run + start, 0);
            return node;
        }
        final int middle = (first + last) >>> 1;
        final int left = tree(data, cursor, run, length, first, middle);
        final int right = tree(data, cursor, run, length, middle + 1, last);
        putNode(data, node, PAIR, 0, left, right);
        return node;
    }

    /** @return the offset, in the control area, of the IOrec the sender pushed last. */
    private static int lastRecord(final FbufsSpiSender sender)
    {
        final long producer = indexAcquire(sender.ring, TX_PRODUCER_OFFSET);
        return TX_RING_OFFSET + (int)((producer - 1) & sender.slotMask) * IOREC_LENGTH;
    }
}
