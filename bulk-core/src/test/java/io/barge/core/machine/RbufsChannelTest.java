package io.barge.core.machine;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static io.barge.core.machine.ProcessChannelDescriptor.KIND_RBUFS;
import static io.barge.core.machine.RbufsChannelDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rbufs channels between client processes, both clients in this JVM beside a kernel service: messages of 1 B to
 * 64 KiB written in place arrive whole and in order over many wraps of the rings, returns in any order are taken,
 * back pressure is a value, every bad IOrec, index or return (and seeded garbage) breaks that channel only, a gone
 * peer is reported after the drain, and the frames come back. The hostile peer is the test writing the kernel's
 * frames.
 */
@Timeout(30)
class RbufsChannelTest
{
    /** A small channel: 4 buffers of 1 KiB, rings of 4 IOrecs, control area and data area a frame each. */
    static final int SMALL_MAX = 1024;
    static final int SMALL_CAPACITY = 4096;

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    static int rbufs(final ProcessChannelTest.Pair pair, final int maxMessage, final int capacity)
    {
        return pair.a.createChannel(pair.domainA, pair.domainB, maxMessage, capacity, KIND_RBUFS);
    }

    /** Claims, fills with message {@code sequence} in place, commits; false if back-pressured. */
    static boolean send(final ProcessRbufsSender sender, final int sequence, final int length)
    {
        if (sender.tryClaim(length) != ProcessRbufsSender.OK)
        {
            return false;
        }
        final MutableDirectBuffer buffer = sender.buffer();
        final SplittableRandom random = new SplittableRandom(sequence * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)random.nextInt(256));
        }
        if (length >= Integer.BYTES)
        {
            buffer.putInt(0, sequence);
        }
        sender.commit();
        return true;
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL})
    void messagesOf1ByteTo64KiBWrittenInPlaceArriveWholeAndInOrder(final long seed)
    {
        final int max = 64 * 1024;
        final int capacity = 512 * 1024; // 8 buffers: 600 messages wrap the rings 75 times
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir);
                 MachineReader reader = MachineReader.attach(dir))
            {
                final int channelId = rbufs(pair, max, capacity);
                assertEquals(free - RbufsChannelDescriptor.frameCount(capacity, max, 4096),
                    service.kernel().freeFrames(), "the channel's frames are the kernel's");
                final ProcessRbufsSender sender = pair.a.openRbufsSender(channelId);
                final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(channelId);
                assertEquals(8, sender.bufferCount());
                final SplittableRandom random = new SplittableRandom(seed);
                final int count = 600;
                final int[] lengths = new int[count];
                long bytes = 0;
                for (int i = 0; i < count; i++)
                {
                    lengths[i] = i == 0 ? 1 : i == 1 ? max : i == 2 ? 0 : random.nextBoolean() ?
                        1 + random.nextInt(64) : 1 + random.nextInt(max);
                    bytes += lengths[i];
                }
                final int[] received = {0};
                final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
                {
                    final int sequence = received[0]++;
                    assertEquals(lengths[sequence], length, "seed " + seed + " message " + sequence);
                    assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, sequence), "seed " + seed +
                        " message " + sequence);
                };
                int sent = 0;
                int pressured = 0;
                while (received[0] < count)
                {
                    if (sent < count)
                    {
                        if (send(sender, sent, lengths[sent]))
                        {
                            sent++;
                            continue;
                        }
                        pressured++;
                    }
                    assertTrue(receiver.poll(check, 1 + random.nextInt(7)) > 0, "seed " + seed +
                        ": all buffers out, none to poll");
                }
                assertEquals(0, receiver.poll(check, 10));
                assertTrue(pressured > 0, "8 buffers ran out");

                final MachineSnapshot.Group group = ProcessChannelCountersTest.processChannel(reader.snapshot(),
                    channelId);
                assertEquals("rbufs sender -> receiver", group.name());
                assertEquals(count, group.value("messages sent"));
                assertEquals(bytes, group.value("bytes sent"));
                assertEquals(count, group.value("messages received"));
                assertEquals(bytes, group.value("bytes received"));
                assertEquals(pressured, group.value("offers back-pressured"));
                assertEquals(count, group.value("buffers released"));
                assertTrue(group.value("buffers returned") >= count - 8, "the sender took back all but the last");

                sender.close();
                assertThrows(PeerGoneException.class, () -> receiver.poll(check, 10));
                receiver.close();
            }
            assertEquals(free, service.kernel().freeFrames(), "seed " + seed + ": the channel's frames came back");
        }
    }

    @Test
    void theReceiversViewIsTheDataAreaItself()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channelId = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
            final ProcessRbufsSender sender = pair.a.openRbufsSender(channelId);
            final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(channelId);
            assertEquals(ProcessRbufsSender.OK, sender.tryClaim(8));
            sender.buffer().putLong(0, 0x1111L);
            sender.commit();
            final UnsafeBuffer data = frame(service, channelId, 2); // buffer 0 is the data area's start
            assertEquals(0x1111L, data.getLong(0), "the claim wrote the data area itself");
            final long[] seen = new long[2];
            assertEquals(1, receiver.poll((buffer, offset, length) ->
            {
                seen[0] = buffer.getLong(offset);
                data.putLong(0, 0x2222L); // the same bytes, written from elsewhere, change under the view
                seen[1] = buffer.getLong(offset);
            }, 1));
            assertEquals(0x1111L, seen[0]);
            assertEquals(0x2222L, seen[1], "the view is over the data area, not a copy");
            sender.close();
            receiver.close();
        }
    }

    @Test
    void backPressureIsAValueAndReturnsInAnyOrderAreTaken()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channelId = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
            final ProcessRbufsSender sender = pair.a.openRbufsSender(channelId);
            for (int i = 0; i < 4; i++)
            {
                assertTrue(send(sender, i, 100 + i));
            }
            assertEquals(ProcessRbufsSender.BACK_PRESSURED, sender.tryClaim(10));
            // A receiver (the test) takes all four and returns them 2, 0, 3, 1.
            final UnsafeBuffer control = frame(service, channelId, 1);
            assertEquals(4, control.getLongAcquire(TX_PRODUCER_OFFSET));
            final int[] order = {2, 0, 3, 1};
            for (int i = 0; i < 4; i++)
            {
                final int tx = TX_RING_OFFSET + order[i] * IOREC_LENGTH;
                putIoRec(control, returnRingOffset(4) + i * IOREC_LENGTH, control.getInt(tx + BASE_OFFSET),
                    control.getInt(tx + RbufsChannelDescriptor.LENGTH_OFFSET), FLAG_FREE);
            }
            control.putLongRelease(TX_CONSUMER_OFFSET, 4);
            control.putLongRelease(RETURN_PRODUCER_OFFSET, 4);
            final List<Integer> bases = new ArrayList<>();
            final UnsafeBuffer data = frame(service, channelId, 2);
            for (int i = 0; i < 4; i++)
            {
                assertEquals(ProcessRbufsSender.OK, sender.tryClaim(8), "return " + i + " was taken");
                sender.buffer().putLong(0, 0xAB00L + i);
                sender.commit();
                for (int b = 0; b < 4; b++)
                {
                    if (data.getLong(b * SMALL_MAX) == 0xAB00L + i)
                    {
                        bases.add(b);
                    }
                }
            }
            assertEquals(List.of(1, 3, 0, 2), bases, "the buffer returned last is reused first");
            assertEquals(4, control.getLongAcquire(RETURN_CONSUMER_OFFSET));
            assertEquals(ProcessRbufsSender.BACK_PRESSURED, sender.tryClaim(10));
            sender.close();
        }
    }

    @Test
    void badKindsAndSizesAreRefusedAndEachKindOpensOnlyAsItself()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int free = service.kernel().freeFrames();
            refused(ERROR_BAD_KIND, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64, 4096, 0));
            refused(ERROR_BAD_KIND, () -> pair.a.createChannel(pair.domainA, pair.domainB, 64, 4096, 99));
            refused(ERROR_BAD_SIZES, () -> rbufs(pair, 0, 4096));
            refused(ERROR_BAD_SIZES, () -> rbufs(pair, 4096, 4096)); // one buffer
            refused(ERROR_BAD_SIZES, () -> rbufs(pair, 64, 512 * 1024)); // 8192 buffers
            refused(ERROR_BAD_SIZES, () -> rbufs(pair, 64, 6000));
            refused(ERROR_BAD_SIZES, () -> rbufs(pair, 64, 2048)); // under a frame
            refused(ERROR_NO_MEMORY, () -> rbufs(pair, 64 * 1024, 4 * 1024 * 1024)); // 2 MiB of memory
            assertEquals(free, service.kernel().freeFrames(), "no refusal allocated a frame");

            final int ring = pair.channel(64, 4096);
            final int rbufs = rbufs(pair, 64, 4096);
            assertThrows(IllegalStateException.class, () -> pair.a.openRbufsSender(ring));
            assertThrows(IllegalStateException.class, () -> pair.b.openRbufsReceiver(ring));
            assertThrows(IllegalStateException.class, () -> pair.a.openSender(rbufs));
            assertThrows(IllegalStateException.class, () -> pair.b.openReceiver(rbufs));
            assertThrows(IllegalStateException.class, () -> pair.b.openRbufsSender(rbufs), "not b's end");
            final ProcessRbufsSender sender = pair.a.openRbufsSender(rbufs);
            assertThrows(IllegalStateException.class, () -> pair.a.openRbufsSender(rbufs), "opened twice");
            assertThrows(IllegalStateException.class, sender::commit, "no claim");
            assertThrows(IllegalArgumentException.class, () -> sender.tryClaim(65));
            assertEquals(ProcessRbufsSender.OK, sender.tryClaim(64));
            assertThrows(IllegalStateException.class, () -> sender.tryClaim(1), "a claim is open");
            sender.close();
            pair.a.openSender(ring).close();
            pair.b.openReceiver(ring).close();
            pair.b.openRbufsReceiver(rbufs).close();
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    @Test
    void aGoneReceiverIsPeerGoneOnTheNextClaimThoughBuffersAreFreeAndAGoneSenderAfterTheDrain()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            final MachineClient a = MachineClient.attach(dir);
            try (MachineClient b = MachineClient.attach(dir))
            {
                final int domainA = a.createDomain("a");
                final int domainB = b.createDomain("b");
                final int forth = a.createChannel(domainA, domainB, SMALL_MAX, SMALL_CAPACITY, KIND_RBUFS);
                final int back = b.createChannel(domainB, domainA, SMALL_MAX, SMALL_CAPACITY, KIND_RBUFS);
                final ProcessRbufsSender sender = a.openRbufsSender(forth);
                final ProcessRbufsReceiver receiver = b.openRbufsReceiver(forth);
                final ProcessRbufsSender backSender = b.openRbufsSender(back);
                for (int i = 0; i < 3; i++)
                {
                    assertTrue(send(sender, i, 300));
                }
                assertEquals(ProcessRbufsSender.OK, sender.tryClaim(10)); // claimed, never committed
                sender.buffer().putInt(0, 12345);
                a.close(); // detach: its ends close, its domain is destroyed
                final int[] seen = {0};
                assertEquals(3, receiver.poll((buffer, offset, length) ->
                    assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, seen[0]++)), 10));
                final PeerGoneException gone = assertThrows(PeerGoneException.class,
                    () -> receiver.poll((buffer, offset, length) -> { }, 10));
                assertTrue(gone.getMessage().contains("closed"), gone.getMessage());
                assertEquals(3, seen[0], "the claim never committed was never delivered");
                // Every buffer is free, yet the first claim hears it: a sender never fills a channel nobody reads.
                final PeerGoneException first = assertThrows(PeerGoneException.class, () -> backSender.tryClaim(10));
                assertTrue(first.getMessage().contains("the receiver closed the channel"), first.getMessage());
                assertThrows(PeerGoneException.class, () -> backSender.tryClaim(10), "and every later one");
                assertEquals(0, ProcessChannelDescriptor.counterAcquire(backSender.header,
                    ProcessChannelDescriptor.MESSAGES_SENT_OFFSET));
                receiver.close();
                backSender.close();
            }
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    @Test
    void aCommitAfterTheReceiverWentIsPeerGoneAndNeitherPublishedNorCountedAsSent()
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
            {
                final int channelId = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
                final ProcessRbufsSender sender = pair.a.openRbufsSender(channelId);
                final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(channelId);
                assertTrue(send(sender, 0, 100));
                assertEquals(1, receiver.poll((buffer, offset, length) -> { }, 10));
                assertEquals(ProcessRbufsSender.OK, sender.tryClaim(200)); // claimed while the receiver is there
                sender.buffer().putInt(0, 1);
                receiver.close();
                final PeerGoneException gone = assertThrows(PeerGoneException.class, sender::commit);
                assertTrue(gone.getMessage().contains("the receiver closed the channel"), gone.getMessage());
                assertThrows(IllegalStateException.class, sender::buffer, "the claim was aborted");
                assertEquals(1, ProcessChannelDescriptor.counterAcquire(sender.header,
                    ProcessChannelDescriptor.MESSAGES_SENT_OFFSET), "only the message received counts as sent");
                assertEquals(1, RbufsChannelDescriptor.indexAcquire(sender.ring, TX_PRODUCER_OFFSET),
                    "no IOrec was published");
                assertThrows(PeerGoneException.class, () -> sender.tryClaim(10));
                sender.close();
            }
            assertEquals(free, service.kernel().freeFrames());
        }
    }

    private static void refused(final int code, final Runnable command)
    {
        final KernelRefusedException ex = assertThrows(KernelRefusedException.class, command::run);
        assertEquals(code, ex.errorCode(), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"never-sent", "twice", "wrong-length", "misaligned", "past-area", "negative-base",
        "flags", "index-ahead", "index-back"})
    void everyBadReturnBreaksTheSenderOfThatChannelOnly(final String bad)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
            {
                final int victim = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
                final int bystander = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
                final ProcessRbufsSender sender = pair.a.openRbufsSender(victim);
                assertTrue(send(sender, 0, 100)); // buffer 0, out with the receiver
                assertTrue(send(sender, 1, 200)); // buffer 1
                final UnsafeBuffer control = frame(service, victim, 1);
                final int ring = returnRingOffset(4);
                long producer = 1;
                switch (bad)
                {
                    case "never-sent" -> putIoRec(control, ring, 3 * SMALL_MAX, 100, FLAG_FREE);
                    case "twice" ->
                    {
                        putIoRec(control, ring, 0, 100, FLAG_FREE);
                        putIoRec(control, ring + IOREC_LENGTH, 0, 100, FLAG_FREE);
                        producer = 2;
                    }
                    case "wrong-length" -> putIoRec(control, ring, SMALL_MAX, 100, FLAG_FREE);
                    case "misaligned" -> putIoRec(control, ring, 64, 100, FLAG_FREE);
                    case "past-area" -> putIoRec(control, ring, 4 * SMALL_MAX, 100, FLAG_FREE);
                    case "negative-base" -> putIoRec(control, ring, -SMALL_MAX, 100, FLAG_FREE);
                    case "flags" -> putIoRec(control, ring, 0, 100, FLAG_DATA);
                    case "index-ahead" -> producer = 5; // more returns than slots
                    default -> producer = -1; // behind what the sender took
                }
                control.putLongRelease(RETURN_PRODUCER_OFFSET, producer);
                final ChannelBrokenException broken = assertThrows(ChannelBrokenException.class,
                    () -> sender.tryClaim(10));
                assertTrue(broken.getMessage().contains("channel " + victim), broken.getMessage());
                assertThrows(ChannelBrokenException.class, () -> sender.tryClaim(10), "broken stays broken");

                final ProcessRbufsSender other = pair.a.openRbufsSender(bystander);
                final ProcessRbufsReceiver otherReceiver = pair.b.openRbufsReceiver(bystander);
                assertTrue(send(other, 5, SMALL_MAX));
                assertEquals(1, otherReceiver.poll((buffer, offset, length) ->
                    assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, 5)), 10));
                pair.b.createDomain("still served");
                sender.close();
                other.close();
                otherReceiver.close();
                pair.b.openRbufsReceiver(victim).close();
            }
            assertEquals(free, service.kernel().freeFrames(), bad + ": both channels' frames came back");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"misaligned", "past-area", "negative-base", "too-long", "negative-length", "flags",
        "index-ahead", "index-back"})
    void everyBadIoRecBreaksTheReceiverOfThatChannelOnly(final String bad)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int victim = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
            final ProcessRbufsSender sender = pair.a.openRbufsSender(victim);
            final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(victim);
            assertTrue(send(sender, 0, 100));
            assertEquals(1, receiver.poll((buffer, offset, length) ->
                assertTrue(ProcessChannelTest.isWhole(buffer, offset, length, 0)), 10));
            // The sender's next IOrec (slot 1) as a hostile sender writes it.
            final UnsafeBuffer control = frame(service, victim, 1);
            final int slot = TX_RING_OFFSET + IOREC_LENGTH;
            long producer = 2;
            switch (bad)
            {
                case "misaligned" -> putIoRec(control, slot, 8, 10, FLAG_DATA);
                case "past-area" -> putIoRec(control, slot, SMALL_CAPACITY, 10, FLAG_DATA);
                case "negative-base" -> putIoRec(control, slot, -SMALL_MAX, 10, FLAG_DATA);
                case "too-long" -> putIoRec(control, slot, SMALL_MAX, SMALL_MAX + 1, FLAG_DATA);
                case "negative-length" -> putIoRec(control, slot, SMALL_MAX, -1, FLAG_DATA);
                case "flags" -> putIoRec(control, slot, SMALL_MAX, 10, FLAG_FREE);
                case "index-ahead" -> producer = 1 + 5; // more than the ring's 4 slots past the consumer
                default -> producer = 0; // behind what the receiver took
            }
            control.putLongRelease(TX_PRODUCER_OFFSET, producer);
            final ProcessReceiver.MessageHandler any = (buffer, offset, length) -> { };
            final ChannelBrokenException broken = assertThrows(ChannelBrokenException.class,
                () -> receiver.poll(any, 10));
            assertTrue(broken.getMessage().contains("channel " + victim), broken.getMessage());
            assertThrows(ChannelBrokenException.class, () -> receiver.poll(any, 10), "broken stays broken");
            receiver.close();
            sender.close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 1234L, 0xBADL, 99_999L})
    void seededGarbageOverTheTransmitRingDeliversOnlyWholeBuffersInsideTheAreaOrBreaks(final long seed)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channelId = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
            final ProcessRbufsReceiver receiver = pair.b.openRbufsReceiver(channelId);
            final UnsafeBuffer control = frame(service, channelId, 1);
            final UnsafeBuffer data = frame(service, channelId, 2);
            for (int b = 0; b < 4; b++)
            {
                data.putLong(b * SMALL_MAX, 0xB0F0L + b); // each buffer's start says which it is
            }
            final SplittableRandom random = new SplittableRandom(seed);
            final int[] delivered = {0};
            final ProcessReceiver.MessageHandler check = (buffer, offset, length) ->
            {
                assertTrue(length >= 0 && length <= SMALL_MAX, "seed " + seed + ": length=" + length);
                final long start = buffer.getLong(offset);
                assertTrue(start >= 0xB0F0L && start < 0xB0F0L + 4, "seed " + seed + ": a view not at a buffer's " +
                    "start: " + Long.toHexString(start));
                buffer.getByte(offset + Math.max(0, length - 1)); // inside the mapping, or the JVM would fault
                delivered[0]++;
            };
            boolean broken = false;
            long producer = 0;
            for (int round = 0; round < 2_000 && !broken; round++)
            {
                // Mostly well-formed IOrecs for the free slots, with a lie now and then: a base off a buffer's
                // start or outside the area, a length too long or negative, other flags, a wild index.
                final long room = 4 - (producer - control.getLongAcquire(TX_CONSUMER_OFFSET));
                final int pushed = (int)(room <= 0 ? 0 : random.nextLong(room + 1));
                for (int i = 0; i < pushed; i++)
                {
                    final int lie = random.nextInt(300);
                    final int base = lie == 0 ? random.nextInt() : lie == 1 ? random.nextInt(4) * SMALL_MAX + 8 :
                        random.nextInt(4) * SMALL_MAX;
                    final int length = lie == 2 ? SMALL_MAX + 1 + random.nextInt(1 << 20) : lie == 3 ?
                        -1 - random.nextInt(1 << 20) : 8 + random.nextInt(SMALL_MAX - 7);
                    putIoRec(control, TX_RING_OFFSET + (int)((producer + i) & 3) * IOREC_LENGTH, base, length,
                        lie == 4 ? random.nextInt(8) : FLAG_DATA);
                }
                producer = random.nextInt(200) == 0 ? random.nextLong() : producer + pushed;
                control.putLongRelease(TX_PRODUCER_OFFSET, producer);
                control.putLongRelease(RETURN_CONSUMER_OFFSET, control.getLongAcquire(RETURN_PRODUCER_OFFSET));
                try
                {
                    receiver.poll(check, 1 + random.nextInt(4));
                }
                catch (final ChannelBrokenException ex)
                {
                    broken = true;
                }
            }
            assertTrue(delivered[0] > 4, "seed " + seed + ": only " + delivered[0] + " delivered before the walk " +
                (broken ? "broke" : "ended"));
            receiver.close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {3L, 77L, 0xFEEDL, 123_456L})
    void seededGarbageOverTheReturnRingIsTakenOnlyForBuffersOutAndNoBufferIsHandedOutTwice(final long seed)
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors);
             ProcessChannelTest.Pair pair = new ProcessChannelTest.Pair(dir))
        {
            final int channelId = rbufs(pair, SMALL_MAX, SMALL_CAPACITY);
            final ProcessRbufsSender sender = pair.a.openRbufsSender(channelId);
            final UnsafeBuffer control = frame(service, channelId, 1);
            final UnsafeBuffer data = frame(service, channelId, 2);
            final int ring = returnRingOffset(4);
            final SplittableRandom random = new SplittableRandom(seed);
            final java.util.Map<Integer, Integer> out = new java.util.HashMap<>(); // base -> length sent
            int claims = 0;
            boolean broken = false;
            for (int round = 0; round < 2_000 && !broken; round++)
            {
                final long consumer = control.getLongAcquire(RETURN_CONSUMER_OFFSET);
                // Mostly honest returns of buffers out (in a random order), with a lie now and then: a plausible
                // or random base, a wrong length or flags, a wild index; the walk goes on until one is caught.
                final List<Integer> bases = new ArrayList<>(out.keySet());
                final int pushed = bases.isEmpty() ? 0 : random.nextInt(bases.size() + 1);
                for (int i = 0; i < pushed; i++)
                {
                    final int honest = bases.remove(random.nextInt(bases.size()));
                    final int lie = random.nextInt(60);
                    final int base = lie == 0 ? random.nextInt(4) * SMALL_MAX : lie == 1 ? random.nextInt() : honest;
                    final int length = lie == 2 ? random.nextInt(SMALL_MAX + 1) : out.getOrDefault(base, 0);
                    putIoRec(control, ring + (int)((consumer + i) & 3) * IOREC_LENGTH, base, length,
                        lie == 3 ? random.nextInt(8) : FLAG_FREE);
                }
                control.putLongRelease(RETURN_PRODUCER_OFFSET, random.nextInt(200) == 0 ? random.nextLong() :
                    consumer + pushed);
                control.putLongRelease(TX_CONSUMER_OFFSET, control.getLong(TX_PRODUCER_OFFSET));
                int claimed = ProcessRbufsSender.BACK_PRESSURED;
                try
                {
                    claimed = sender.tryClaim(8 + random.nextInt(SMALL_MAX - 7));
                }
                catch (final ChannelBrokenException ex)
                {
                    broken = true;
                }
                // Every return the sender took was for a buffer out with the receiver, with the length it was sent.
                for (long i = consumer, taken = control.getLongAcquire(RETURN_CONSUMER_OFFSET); i < taken; i++)
                {
                    final int offset = ring + (int)(i & 3) * IOREC_LENGTH;
                    final Integer length = out.remove(control.getInt(offset + BASE_OFFSET));
                    assertTrue(length != null && length == control.getInt(offset + RbufsChannelDescriptor.LENGTH_OFFSET),
                        "seed " + seed + ": return " + i + " taken for a buffer not out, or with another length");
                }
                if (claimed == ProcessRbufsSender.OK)
                {
                    claims++;
                    final long tag = 0x7A6000000000L + claims;
                    sender.buffer().putLong(0, tag);
                    int base = -1;
                    for (int b = 0; b < 4; b++)
                    {
                        base = data.getLong(b * SMALL_MAX) == tag ? b * SMALL_MAX : base;
                    }
                    assertTrue(base >= 0 && !out.containsKey(base), "seed " + seed + ": buffer " + base +
                        " handed out while out with the receiver");
                    out.put(base, sender.buffer().capacity());
                    sender.commit();
                }
            }
            assertTrue(claims > 4, "seed " + seed + ": the 4 buffers were never taken back (" + claims + " claims)");
            sender.close();
        }
    }

    /** The hostile peer's view of one of the channel's frames: 1 is the control area, 2 the data area's first. */
    static UnsafeBuffer frame(final KernelService service, final int channelId, final int index)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        service.kernel().wrapFrame(view, ProcessChannelTest.entry(service, channelId).firstFrame + index);
        return view;
    }
}
