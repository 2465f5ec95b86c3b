package io.barge.core.machine;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channels between client processes, with both clients in this JVM beside a kernel service: messages of 1 B to
 * 64 KiB arrive whole and in order, every bad command gets a typed refusal, garbage written over a ring breaks that
 * channel only, a closed end is reported to the other after it drained, and the frames come back.
 */
@Timeout(30)
class ProcessChannelTest
{
    static final int MAX_MESSAGE = 64 * 1024;
    static final int CAPACITY = 256 * 1024;

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    /** The bytes of message {@code sequence}: its sequence number, then a pattern fixed by it (a checksum). */
    static void fill(final UnsafeBuffer buffer, final int sequence, final int length)
    {
        final SplittableRandom random = new SplittableRandom(sequence * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)random.nextInt(256));
        }
        if (length >= Integer.BYTES)
        {
            buffer.putInt(0, sequence);
        }
    }

    /** @return whether the message is exactly what {@link #fill} wrote for {@code sequence}. */
    static boolean isWhole(final DirectBuffer buffer, final int offset, final int length, final int sequence)
    {
        final SplittableRandom random = new SplittableRandom(sequence * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < length; i++)
        {
            final byte expected = (byte)random.nextInt(256);
            if (i >= Integer.BYTES && buffer.getByte(offset + i) != expected)
            {
                return false;
            }
        }
        return length < Integer.BYTES || buffer.getInt(offset) == sequence;
    }

    /** Two clients, a domain each, and a channel from the first's to the second's. */
    static final class Pair implements AutoCloseable
    {
        final MachineClient a;
        final MachineClient b;
        final int domainA;
        final int domainB;

        Pair(final Path dir)
        {
            a = MachineClient.attach(dir);
            b = MachineClient.attach(dir);
            domainA = a.createDomain("sender");
            domainB = b.createDomain("receiver");
        }

        int channel(final int maxMessage, final int capacity)
        {
            return a.createChannel(domainA, domainB, maxMessage, capacity);
        }

        @Override
        public void close()
        {
            a.close();
            b.close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL})
    void messagesOf1ByteTo64KiBArriveWholeAndInOrder(final long seed)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (Pair pair = new Pair(dir))
            {
                assertTrue(Files.exists(dir.resolve(MachineFileDescriptor.MEMORY_FILE_NAME)));
                final int channelId = pair.channel(MAX_MESSAGE, CAPACITY);
                assertEquals(free - ProcessChannelDescriptor.frameCount(CAPACITY, 4096),
                    service.kernel().freeFrames(), "the channel's frames are the kernel's");
                final ProcessSender sender = pair.a.openSender(channelId);
                final ProcessReceiver receiver = pair.b.openReceiver(channelId);
                final SplittableRandom random = new SplittableRandom(seed);
                final int count = 600;
                final int[] lengths = new int[count];
                for (int i = 0; i < count; i++)
                {
                    lengths[i] = i == 0 ? 1 : i == 1 ? MAX_MESSAGE : random.nextBoolean() ?
                        1 + random.nextInt(64) : 1 + random.nextInt(MAX_MESSAGE);
                }
                final UnsafeBuffer message = new UnsafeBuffer(new byte[MAX_MESSAGE]);
                final int[] received = {0};
                final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
                {
                    final int sequence = received[0]++;
                    assertEquals(lengths[sequence], length, "seed " + seed + " message " + sequence);
                    assertTrue(isWhole(buffer, offset, length, sequence), "seed " + seed + " message " + sequence);
                };
                int sent = 0;
                while (received[0] < count)
                {
                    if (sent < count)
                    {
                        fill(message, sent, lengths[sent]);
                        if (sender.offer(message, 0, lengths[sent]) == ProcessSender.OK)
                        {
                            sent++;
                            continue;
                        }
                    }
                    assertTrue(receiver.poll(check, 7) > 0 || sent == count, "seed " + seed + ": a full ring " +
                        "gave nothing to poll");
                }
                assertEquals(0, receiver.poll(check, 10));
                sender.close();
                assertThrows(PeerGoneException.class, () -> receiver.poll(check, 10));
                receiver.close();
            }
            assertEquals(free, service.kernel().freeFrames(), "seed " + seed + ": the channel's frames came back");
            assertEquals(1, service.kernel().kernelDomain().counter(ConductorCounters.CHANNELS_FREED));
        }
    }

    @Test
    void everyBadChannelCommandGetsATypedRefusal()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             Pair pair = new Pair(dir);
             MachineClient other = MachineClient.attach(dir))
        {
            final int free = service.kernel().freeFrames();
            final int otherDomain = other.createDomain("other");
            refused(ERROR_NOT_OWNER, () -> other.createChannel(pair.domainA, pair.domainB, 64, 4096));
            refused(ERROR_UNKNOWN_DOMAIN, () -> pair.a.createChannel(pair.domainA, 99_999, 64, 4096));
            refused(ERROR_UNKNOWN_DOMAIN, () -> pair.a.createChannel(pair.domainA, pair.domainA, 64, 4096));
            refused(ERROR_UNKNOWN_DOMAIN, () -> pair.a.createChannel(pair.domainA,
                service.kernel().kernelDomain().id(), 64, 4096)); // a domain no client owns
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, 0, 4096));
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, -1, 4096));
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64, 5000));
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64, 2048));
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, 4096, 4096));
            refused(ERROR_BAD_SIZES, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64, 1 << 30));
            refused(ERROR_NO_MEMORY, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64 * 1024,
                4 * 1024 * 1024)); // 2 MiB of memory
            refused(ERROR_UNKNOWN_CHANNEL, () -> pair.a.closeEndChecked(12_345, END_SENDER));
            assertEquals(free, service.kernel().freeFrames(), "no refusal allocated a frame");

            final int channelId = pair.channel(64, 4096);
            refused(ERROR_NOT_OWNER, () -> pair.b.closeEndChecked(channelId, END_SENDER));
            refused(ERROR_NOT_OWNER, () -> other.closeEndChecked(channelId, END_RECEIVER));
            refused(ERROR_UNKNOWN_CHANNEL, () -> pair.a.closeEndChecked(channelId, 3));
            assertThrows(IllegalStateException.class, () -> pair.b.openSender(channelId));
            assertThrows(IllegalStateException.class, () -> other.openReceiver(channelId));
            assertThrows(IllegalStateException.class, () -> pair.a.openReceiver(channelId + 1));
            final ProcessSender sender = pair.a.openSender(channelId);
            assertThrows(IllegalStateException.class, () -> pair.a.openSender(channelId), "opened twice");
            sender.close();
            refused(ERROR_UNKNOWN_CHANNEL, () -> pair.a.closeEndChecked(channelId, END_SENDER));
            assertThrows(IllegalStateException.class, () -> pair.a.openSender(channelId), "closed");

            // The kernel goes on: the channel's receiver end is still open and its frames still held.
            assertTrue(service.kernel().freeFrames() < free);
            other.createDomain("still served");
            pair.b.openReceiver(channelId).close();
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    private static void refused(final int code, final Runnable command)
    {
        final KernelRefusedException ex = assertThrows(KernelRefusedException.class, command::run);
        assertEquals(code, ex.errorCode(), ex.getMessage());
    }

    @Test
    void aClientThatDetachesOrDestroysItsDomainEndsItsSideAndTheOtherDrainsFirst()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            final MachineClient a = MachineClient.attach(dir);
            try (MachineClient b = MachineClient.attach(dir))
            {
                final int domainA = a.createDomain("a");
                final int domainB = b.createDomain("b");
                final int first = a.createChannel(domainA, domainB, 64, 4096);
                final int second = b.createChannel(domainB, domainA, 64, 4096);
                final ProcessSender sender = a.openSender(first);
                final ProcessReceiver receiver = b.openReceiver(first);
                final ProcessSender back = b.openSender(second);
                final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
                for (int i = 0; i < 3; i++)
                {
                    fill(message, i, 64);
                    assertEquals(ProcessSender.OK, sender.offer(message, 0, 64));
                }
                a.close(); // detach: its ends close, its domain is destroyed
                final int[] seen = {0};
                assertEquals(3, receiver.poll((buffer, offset, length) ->
                    assertTrue(isWhole(buffer, offset, length, seen[0]++)), 10));
                assertThrows(PeerGoneException.class, () -> receiver.poll((buffer, offset, length) -> { }, 10));
                // The other channel's receiver (a's) is gone too: a full ring says so.
                final PeerGoneException full = assertThrows(PeerGoneException.class, () ->
                {
                    while (true)
                    {
                        back.offer(message, 0, 64);
                    }
                });
                assertTrue(full.getMessage().contains("receiver"), full.getMessage());
                receiver.close();
                back.close();
            }
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    @Test
    void anOfferAfterTheReceiverWentIsPeerGoneThoughTheRingHasRoomAndNothingIsWrittenOrCounted()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (Pair pair = new Pair(dir))
            {
                final int channelId = pair.channel(64, 4096);
                final ProcessSender sender = pair.a.openSender(channelId);
                final ProcessReceiver receiver = pair.b.openReceiver(channelId);
                final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
                fill(message, 0, 64);
                assertEquals(ProcessSender.OK, sender.offer(message, 0, 64));
                assertEquals(1, receiver.poll((buffer, offset, length) -> { }, 10));
                receiver.close();
                fill(message, 1, 64);
                final PeerGoneException gone = assertThrows(PeerGoneException.class,
                    () -> sender.offer(message, 0, 64));
                assertTrue(gone.getMessage().contains("the receiver closed the channel"), gone.getMessage());
                assertThrows(PeerGoneException.class, () -> sender.offer(message, 0, 64), "and every later one");
                assertEquals(1, ProcessChannelDescriptor.counterAcquire(sender.header,
                    ProcessChannelDescriptor.MESSAGES_SENT_OFFSET), "only the message received counts as sent");
                assertEquals(0, ProcessChannelDescriptor.lengthAcquire(sender.ring, org.agrona.BitUtil.align(
                    ProcessChannelDescriptor.RECORD_HEADER_LENGTH + 64, ProcessChannelDescriptor.RECORD_ALIGNMENT)),
                    "nothing written after the first record");
                sender.close();
            }
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    @Test
    void aSenderThatStopsBetweenPayloadAndCommitExposesNothing()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            final MachineClient a = MachineClient.attach(dir);
            try (MachineClient b = MachineClient.attach(dir))
            {
                final int channelId = a.createChannel(a.createDomain("a"), b.createDomain("b"), 1024, 4096);
                final ProcessSender sender = a.openSender(channelId);
                final ProcessReceiver receiver = b.openReceiver(channelId);
                final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);
                fill(message, 0, 100);
                assertEquals(ProcessSender.OK, sender.offer(message, 0, 100));
                // What a sender killed mid-message leaves: type and payload of the next record (index 112), no length.
                final UnsafeBuffer ring = ringFrame(service, channelId);
                ring.putInt(112 + ProcessChannelDescriptor.TYPE_OFFSET, ProcessChannelDescriptor.TYPE_MESSAGE);
                ring.putBytes(112 + ProcessChannelDescriptor.RECORD_HEADER_LENGTH, message, 0, 1000);
                a.close(); // the sender's end is closed without a commit
                final int[] seen = {0};
                final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
                {
                    assertEquals(100, length);
                    assertTrue(isWhole(buffer, offset, length, seen[0]++));
                };
                assertEquals(1, receiver.poll(check, 10));
                final PeerGoneException gone = assertThrows(PeerGoneException.class, () -> receiver.poll(check, 10));
                assertTrue(gone.getMessage().contains("closed"), gone.getMessage());
                assertEquals(1, seen[0], "the uncommitted record was never delivered");
                receiver.close();
            }
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"long", "short", "negative", "type", "padding-at-0", "padding-short", "past-end"})
    void garbageOverTheRingBreaksThatChannelOnly(final String garbage)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             Pair pair = new Pair(dir))
        {
            final int free = service.kernel().freeFrames();
            final int victim = pair.channel(1024, 4096);
            final int bystander = pair.channel(1024, 4096);
            final ProcessReceiver receiver = pair.b.openReceiver(victim);
            final ProcessSender sender = pair.a.openSender(victim);
            final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);
            fill(message, 0, 100);
            assertEquals(ProcessSender.OK, sender.offer(message, 0, 100));
            assertEquals(1, receiver.poll((buffer, offset, length) -> assertTrue(isWhole(buffer, offset, length, 0)),
                10));

            // The record after the first (index 112) is where the receiver looks next.
            final UnsafeBuffer ring = ringFrame(service, victim);
            final int index = 112;
            switch (garbage)
            {
                case "long" -> put(ring, index, ProcessChannelDescriptor.TYPE_MESSAGE, 8 + 1025);
                case "short" -> put(ring, index, ProcessChannelDescriptor.TYPE_MESSAGE, 7);
                case "negative" -> put(ring, index, ProcessChannelDescriptor.TYPE_MESSAGE, -8);
                case "type" -> put(ring, index, 77, 16);
                case "padding-at-0" ->
                {
                    // A well-formed padding to the ring's end, then padding at index 0 (which would loop forever).
                    put(ring, 0, ProcessChannelDescriptor.TYPE_PADDING, 4096);
                    put(ring, index, ProcessChannelDescriptor.TYPE_PADDING, 4096 - index);
                }
                case "padding-short" -> put(ring, index, ProcessChannelDescriptor.TYPE_PADDING, 64);
                default -> put(ring, index, ProcessChannelDescriptor.TYPE_MESSAGE, 4096 - index + 8);
            }
            final ProcessReceiver.MessageHandler any = (buffer, offset, length) -> { };
            final ChannelBrokenException broken = assertThrows(ChannelBrokenException.class,
                () -> receiver.poll(any, 10));
            assertTrue(broken.getMessage().contains("channel " + victim), broken.getMessage());
            assertThrows(ChannelBrokenException.class, () -> receiver.poll(any, 10), "broken stays broken");

            // Nothing else broke: the other channel carries a message, the kernel takes commands.
            final ProcessSender otherSender = pair.a.openSender(bystander);
            final ProcessReceiver otherReceiver = pair.b.openReceiver(bystander);
            fill(message, 5, 1024);
            assertEquals(ProcessSender.OK, otherSender.offer(message, 0, 1024));
            assertEquals(1, otherReceiver.poll((buffer, offset, length) ->
                assertTrue(isWhole(buffer, offset, length, 5)), 10));
            pair.b.createDomain("still served");
            receiver.close();
            sender.close();
            otherSender.close();
            otherReceiver.close();
            assertEquals(free, service.kernel().freeFrames(), "both channels' frames came back");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 1234L, 0xBADL, 99_999L})
    void randomGarbageOverTheRingDeliversWellFormedRecordsOrBreaksNeverAnythingElse(final long seed)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             Pair pair = new Pair(dir))
        {
            final int channelId = pair.channel(1024, 4096);
            final ProcessReceiver receiver = pair.b.openReceiver(channelId);
            final UnsafeBuffer ring = ringFrame(service, channelId);
            final SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 4096; i += Integer.BYTES)
            {
                // Headers that are plausible half the time, so that some records pass and the walk goes on.
                ring.putInt(i, random.nextBoolean() ? random.nextInt() : random.nextInt(1, 3) + (random.nextInt(8) << 8));
            }
            final int[] delivered = {0};
            final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
            {
                assertTrue(length >= 0 && length <= 1024, "seed " + seed + ": length=" + length);
                delivered[0]++;
            };
            boolean broken = false;
            for (int poll = 0; poll < 2_000 && !broken; poll++)
            {
                try
                {
                    receiver.poll(check, 16);
                }
                catch (final ChannelBrokenException ex)
                {
                    broken = true;
                }
            }
            // A ring of garbage is either walked record by record (bounded by the polls) or found broken.
            assertTrue(broken || delivered[0] > 0, "seed " + seed + ": neither delivered nor broken");
            receiver.close();
        }
    }

    @Test
    void aMissingOrBadMemoryFileIsATypedErrorOnOpen() throws Exception
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             Pair pair = new Pair(dir))
        {
            final int channelId = pair.channel(64, 4096);
            final Path memory = dir.resolve(MachineFileDescriptor.MEMORY_FILE_NAME);
            final Path aside = dir.resolve("memory.aside");
            Files.move(memory, aside);
            final MachineFileException missing = assertThrows(MachineFileException.class,
                () -> pair.a.openSender(channelId));
            assertEquals(MachineFileException.Reason.NOT_FOUND, missing.reason());
            Files.move(aside, memory);
            // Another magic in the file's header page (the kernel never reads it back: its own state is on its heap).
            try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(memory,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE))
            {
                file.write(java.nio.ByteBuffer.wrap(new byte[]{'N', 'O', 'T', 'B', 'A', 'R', 'G', 'E'}), 0);
            }
            final io.barge.core.MemoryFileFormatException bad = assertThrows(
                io.barge.core.MemoryFileFormatException.class, () -> pair.b.openReceiver(channelId));
            assertTrue(bad.getMessage().contains("magic"), bad.getMessage());
        }
    }

    @Test
    void aReceiverPositionNoCorrectReceiverWritesBreaksTheSender()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             Pair pair = new Pair(dir))
        {
            final int channelId = pair.channel(1024, 4096);
            final ProcessSender sender = pair.a.openSender(channelId);
            final UnsafeBuffer header = headerFrame(service, channelId);
            header.putLongRelease(ProcessChannelDescriptor.CONSUMER_POSITION_OFFSET, 1L << 40); // ahead of the tail
            final UnsafeBuffer message = new UnsafeBuffer(new byte[1024]);
            assertThrows(ChannelBrokenException.class, () ->
            {
                while (true)
                {
                    sender.offer(message, 0, 1024); // fills the ring, then reads the position
                }
            });
            assertThrows(ChannelBrokenException.class, () -> sender.offer(message, 0, 8));
            sender.close();
        }
    }

    private static void put(final UnsafeBuffer ring, final int index, final int type, final int length)
    {
        ring.putInt(index + ProcessChannelDescriptor.TYPE_OFFSET, type);
        ring.putIntRelease(index + ProcessChannelDescriptor.LENGTH_OFFSET, length);
    }

    static ChannelEntry entry(final KernelService service, final int channelId)
    {
        final org.agrona.concurrent.AtomicBuffer table = service.kernel().machineFile().channelTableBuffer();
        for (int slot = 0; slot < ChannelTableDescriptor.slots(table.capacity()); slot++)
        {
            final ChannelEntry entry = ChannelTableDescriptor.readSlot(table, slot);
            if (entry != null && entry.channelId == channelId)
            {
                return entry;
            }
        }
        throw new AssertionError("no channel " + channelId + " in the table");
    }

    /** The hostile peer's view: the ring's first frame (4 KiB rings are one frame). */
    private static UnsafeBuffer ringFrame(final KernelService service, final int channelId)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        service.kernel().wrapFrame(view, entry(service, channelId).firstFrame + 1);
        return view;
    }

    private static UnsafeBuffer headerFrame(final KernelService service, final int channelId)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        service.kernel().wrapFrame(view, entry(service, channelId).firstFrame);
        assertFalse(view.getLong(0) == 0, "the header is laid out");
        return view;
    }
}
