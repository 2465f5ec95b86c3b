package io.barge.drivers.idd;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guests send to each other through the driver domain over every path: each frame arrives once, in order, intact,
 * at the next guest; xen answers every request OK; nothing leaks when the driver domain closes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DriverDomainTest
{
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({ "XEN, map", "XEN, copy", "XEN, persistent", "RBUFS, map", "FBUFS, map" })
    void framesTravelToTheNextGuestIntactAndInOrder(final IddPath path, final String grants)
    {
        final int guests = 3;
        final int perGuest = 200;
        try (IddRig rig = new IddRig(guests, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, grants));
            final Claim[] claims = new Claim[guests];
            final long[] sent = new long[guests];
            final long[] next = new long[guests];
            final long[] answeredOk = new long[guests];
            final List<String> problems = new ArrayList<>();
            for (int g = 0; g < guests; g++)
            {
                claims[g] = idd.guest(g).newClaim();
            }
            final boolean done = rig.pumpUntil(200_000, () ->
            {
                boolean all = true;
                for (int g = 0; g < guests; g++)
                {
                    final GuestNic nic = idd.guest(g);
                    final int length = 60 + (int)(sent[g] * 37 % (idd.config().mtu() - 60));
                    if (sent[g] < perGuest && IddRig.send(nic, claims[g], g, sent[g], length))
                    {
                        sent[g]++;
                    }
                    final int from = (g + guests - 1) % guests;
                    nic.poll(message ->
                    {
                        final long stamp = IddRig.stamp(message);
                        final long sequence = stamp & 0xFFFF_FFFF_FFFFL;
                        if ((int)(stamp >>> 48) != from || sequence != next[from])
                        {
                            problems.add("guest " + from + " seq " + next[from] + " got stamp " + stamp);
                        }
                        final int length2 = 60 + (int)(sequence * 37 % (idd.config().mtu() - 60));
                        if (message.length() != length2)
                        {
                            problems.add("length " + message.length() + " != " + length2);
                        }
                        for (int i = 8; i < message.length(); i += 97)
                        {
                            if (message.getByte(i) != IddRig.pattern(from, sequence, i))
                            {
                                problems.add("byte " + i + " of seq " + sequence);
                            }
                        }
                        next[from]++;
                    }, 16);
                    nic.pollResponses((id, status) ->
                    {
                        if (status == Status.OK)
                        {
                            answeredOk[0]++;
                        }
                        else
                        {
                            problems.add("error response " + id);
                        }
                    }, 16);
                    // TX completions are reaped on their own interrupts, possibly after the frames arrived.
                    all &= next[from] == perGuest && idd.stats(g).txPackets() == perGuest;
                }
                return all;
            });
            assertEquals(List.of(), problems);
            assertTrue(done, "delivered " + java.util.Arrays.toString(next));
            for (int g = 0; g < guests; g++)
            {
                final GuestStats stats = idd.stats(g);
                assertEquals(perGuest, stats.txPackets(), "tx of guest " + g);
                assertEquals(perGuest, stats.rxPackets(), "rx of guest " + g);
                assertEquals(0, stats.txErrors() + stats.txRejected() + stats.rxErrors() + stats.rxDropped());
                assertNull(stats.failure());
            }
            if (path == IddPath.XEN)
            {
                rig.pumpUntil(1000, () ->
                {
                    for (int g = 0; g < guests; g++)
                    {
                        idd.guest(g).pollResponses((id, status) -> answeredOk[0]++, 16);
                    }
                    return answeredOk[0] == (long)guests * perGuest;
                });
                assertEquals((long)guests * perGuest, answeredOk[0], "every xen request answered OK");
            }
            rig.closeAndCheckFrames(idd);
        }
    }

    @Test
    void anRbufsMtuWhoseSlotsWouldCrossPagesIsRefusedBeforeAnythingIsAllocated()
    {
        try (IddRig rig = new IddRig(2, 1024))
        {
            final IddConfig config = IddRig.small(IddPath.RBUFS, "map").mtu(1500); // slots of 1536 B
            final IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> rig.attach(config));
            assertTrue(ex.getMessage().contains("cross"), ex.getMessage());
            assertEquals(rig.freeAtStart, rig.kernel.freeFrames());
            rig.attach(IddRig.small(IddPath.XEN, "map").mtu(1500)); // xen buffers are whole pages: fine
            rig.closeAndCheckFrames(rig.idd);
        }
    }

    @ParameterizedTest(name = "{0} {1} persistent={2}")
    @CsvSource({ "RBUFS, map, true, true, true", "XEN, persistent, true, true, true", "XEN, copy, true, true, true",
        "XEN, map, true, false, false", "FBUFS, map, true, false, false", "RBUFS, map, false, false, false",
        "XEN, persistent, false, false, false" })
    void keptPinsCostNoKernelCallPerFrameWhereThePathKeepsItsMappings(final IddPath path, final String grants,
        final boolean persistent, final boolean txKept, final boolean rxKept)
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, grants).persistentPins(persistent));
            final Claim[] claims = { idd.guest(0).newClaim(), idd.guest(1).newClaim() };
            final long[] sent = new long[2];
            final long[] received = new long[1];
            final int frames = 400;
            assertTrue(rig.pumpUntil(200_000, () ->
            {
                for (int g = 0; g < 2; g++)
                {
                    if (sent[g] < frames && IddRig.send(idd.guest(g), claims[g], g, sent[g], 100))
                    {
                        sent[g]++;
                    }
                    idd.guest(g).poll(message -> received[0]++, 16);
                    idd.guest(g).pollResponses((id, status) -> { }, 16);
                }
                return received[0] == 2 * frames && idd.stats(0).txPackets() + idd.stats(1).txPackets() == 2 * frames;
            }), () -> "received " + received[0] + ", " + idd.stats(0) + ", " + idd.stats(1));
            final long pins = idd.domain().counter(io.barge.core.device.DeviceCounters.DMA_PINS);
            // Kept: at most one pin per page of a channel's buffers (16 a channel, 2 channels a direction). Per
            // transfer: one per frame, and on RX one per buffer posted and not yet filled (16 a guest).
            final long least = (txKept ? 1 : 2 * frames) + (rxKept ? 1 : 2 * frames);
            final long most = (txKept ? 2 * 16 : 2 * frames) + (rxKept ? 2 * 16 : 2 * frames + 2 * 16);
            assertTrue(pins >= least && pins <= most, "pins=" + pins + " outside [" + least + ", " + most + "]");
            rig.closeAndCheckFrames(idd);
        }
    }
}
