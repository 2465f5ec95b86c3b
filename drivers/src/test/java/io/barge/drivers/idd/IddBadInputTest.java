package io.barge.drivers.idd;

import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Status;
import io.barge.grant.SharedRingDescriptor;
import io.barge.grant.xen.XenRequestDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad guests and a bad device: each affects only the guest it concerns, and nothing leaks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IddBadInputTest
{
    /** A frame stream from guest {@code g} to the next, counted at the receiver; one per guest. */
    private static final class Traffic
    {
        final DriverDomain idd;
        final Claim[] claims;
        final long[] sent;
        final long[] received;
        final List<Integer> errors = new ArrayList<>();
        final List<Long> okIds = new ArrayList<>();

        Traffic(final DriverDomain idd)
        {
            this.idd = idd;
            final int n = idd.guests();
            claims = new Claim[n];
            sent = new long[n];
            received = new long[n];
            for (int g = 0; g < n; g++)
            {
                claims[g] = idd.guest(g).newClaim();
            }
        }

        void send(final int g, final long upTo, final int length)
        {
            if (sent[g] < upTo && IddRig.send(idd.guest(g), claims[g], g, sent[g], length))
            {
                sent[g]++;
            }
        }

        /** Pumps {@code rounds} times, each guest sending up to {@code upTo} frames: requests and buffers in flight. */
        void fill(final IddRig rig, final int rounds, final long upTo, final int length)
        {
            for (int i = 0; i < rounds; i++)
            {
                for (int g = 0; g < idd.guests(); g++)
                {
                    send(g, upTo, length);
                }
                rig.pump();
            }
        }

        void receive(final int g)
        {
            idd.guest(g).poll(message -> received[g]++, 16);
            idd.guest(g).pollResponses((id, status) ->
            {
                if (status == Status.OK)
                {
                    okIds.add(id);
                }
                else
                {
                    errors.add(g);
                }
            }, 16);
        }
    }

    @Test
    void xenRequestOverTheMtuIsAnsweredWithAnErrorAndTheGuestGoesOn()
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, "map"));
            final Traffic traffic = new Traffic(idd);
            final GuestNic guest0 = idd.guest(0);
            final Claim big = guest0.newClaim();
            // The xen channel carries a page, the MTU is less: the request reaches the driver domain.
            assertEquals(Status.OK, guest0.tryClaim(idd.config().mtu() + 1, big));
            big.putLong(0, 42);
            guest0.commit(big);
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                traffic.send(0, 10, 100);
                traffic.send(1, 10, 100);
                traffic.receive(0);
                traffic.receive(1);
                return traffic.received[0] == 10 && traffic.received[1] == 10 && traffic.okIds.size() == 20;
            }), "received " + traffic.received[0] + "/" + traffic.received[1]);
            assertEquals(List.of(0), traffic.errors, "one error response, to guest 0");
            assertEquals(1, idd.stats(0).txRejected());
            assertEquals(10, idd.stats(0).txPackets());
            assertEquals(0, idd.stats(1).txRejected());
            assertNull(idd.stats(0).failure());
            rig.closeAndCheckFrames(idd);
        }
    }

    @ParameterizedTest
    @EnumSource(value = IddPath.class, names = { "RBUFS", "FBUFS" })
    void overTheMtuOnRbufsAndFbufsIsRefusedByTheChannelAndNeverReachesTheDriverDomain(final IddPath path)
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, "map"));
            final Traffic traffic = new Traffic(idd);
            final GuestNic guest0 = idd.guest(0);
            assertEquals(idd.config().mtu(), guest0.sender().maxMessageLength());
            assertThrows(IllegalArgumentException.class, () -> guest0.tryClaim(idd.config().mtu() + 1,
                guest0.newClaim()));
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                traffic.send(0, 10, idd.config().mtu());
                traffic.receive(1);
                // TX completions are reaped on their own interrupts, possibly after the frames arrived.
                return traffic.received[1] == 10 && idd.stats(0).txPackets() == 10;
            }));
            assertEquals(0, idd.stats(0).txRejected(), "the driver domain saw nothing to refuse");
            assertEquals(10, idd.stats(0).txPackets());
            rig.closeAndCheckFrames(idd);
        }
    }

    @Test
    void xenGuestThatCorruptsItsRingIsRetiredAloneWithAProtocolViolation()
    {
        try (IddRig rig = new IddRig(3, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, "map"));
            final Traffic traffic = new Traffic(idd);
            // Guest 1 pushes a request, then (hostile) rewrites it in its own ring page before the driver domain
            // copies it: segment 0 now names a grant reference guest 1 never issued.
            assertTrue(IddRig.send(idd.guest(1), traffic.claims[1], 1, 0, 100));
            final UnsafeBuffer ring = new UnsafeBuffer(new byte[0]);
            int rings = 0;
            for (int frame = 0; frame < rig.memory.frameCount(); frame++)
            {
                if (rig.kernel.ownerOf(frame) == rig.guests[1].id() && rig.kernel.mapCountOf(frame) == 2)
                {
                    rig.kernel.wrapFrame(ring, frame);
                    // Its TX ring: one request pushed (its RX ring, a ring of its own too, holds its posted buffers).
                    if (ring.getInt(SharedRingDescriptor.MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN) ==
                        SharedRingDescriptor.MAGIC &&
                        ring.getInt(SharedRingDescriptor.REQ_PROD_OFFSET, ByteOrder.LITTLE_ENDIAN) == 1)
                    {
                        ring.putInt(SharedRingDescriptor.SLOTS_OFFSET + XenRequestDescriptor.SEGMENTS_OFFSET,
                            0x7FFF_0000, ByteOrder.LITTLE_ENDIAN);
                        rings++;
                    }
                }
            }
            assertEquals(1, rings, "guest 1's TX ring found");
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                traffic.send(2, 20, 200); // guest 2 -> guest 0 is unaffected
                traffic.receive(0);
                return traffic.received[0] == 20 && idd.stats(1).failure() != null;
            }), "received " + traffic.received[0] + ", failure " + idd.stats(1).failure());
            assertInstanceOf(ProtocolViolationException.class, rootOf(idd.stats(1).failure()),
                String.valueOf(idd.stats(1).failure()));
            assertNull(idd.stats(0).failure());
            assertNull(idd.stats(2).failure());
            rig.closeAndCheckFrames(idd);
        }
    }

    private static Throwable rootOf(final Throwable ex)
    {
        Throwable at = ex;
        while (!(at instanceof ProtocolViolationException) && at.getCause() != null)
        {
            at = at.getCause();
        }
        return at;
    }

    @ParameterizedTest
    @EnumSource(IddPath.class)
    void guestThatStopsConsumingHasItsOwnFramesDroppedAndCountedWhileOthersKeepTheirs(final IddPath path)
    {
        try (IddRig rig = new IddRig(3, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, "persistent"));
            final Traffic traffic = new Traffic(idd);
            final int frames = 300; // far more than guest 1's channel and ring hold
            assertTrue(rig.pumpUntil(400_000, () ->
            {
                for (int g = 0; g < 3; g++)
                {
                    traffic.send(g, frames, 128);
                }
                traffic.receive(0);
                traffic.receive(2); // guest 1 never polls its RX channel
                traffic.idd.guest(1).pollResponses((id, status) -> { }, 16);
                return traffic.received[0] == frames && traffic.received[2] == frames && traffic.sent[0] == frames &&
                    idd.stats(0).txPackets() == frames;
            }), "received " + traffic.received[0] + "/" + traffic.received[2] + " sent " + traffic.sent[0]);
            assertTrue(idd.stats(1).rxDropped() > 0, "guest 1's inbound NIC dropped");
            // The last frames may still be on the wire or in a posted buffer not yet reaped: let them land.
            assertTrue(rig.pumpUntil(100_000, () -> idd.stats(1).rxDropped() + idd.stats(1).rxPackets() == frames),
                "each of guest 0's frames either waits in guest 1's channel or was dropped for it: " + idd.stats(1));
            assertEquals(0, idd.stats(0).rxDropped());
            assertEquals(0, idd.stats(2).rxDropped());
            rig.closeAndCheckFrames(idd);
        }
    }

    @ParameterizedTest
    @EnumSource(IddPath.class)
    void guestDestroyedMidTransferIsRetiredAloneAndEverythingItHeldComesBack(final IddPath path)
    {
        try (IddRig rig = new IddRig(3, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, "map"));
            final Traffic traffic = new Traffic(idd);
            traffic.fill(rig, 30, 12, 256); // guest 1 has requests in flight and buffers posted for it
            rig.kernel.destroyDomain(rig.guests[1]);
            assertNotNull(idd.stats(1).failure(), "guest 1 retired");
            final long before = traffic.received[0];
            assertTrue(rig.pumpUntil(200_000, () ->
            {
                traffic.send(2, 100, 256); // guest 2 -> guest 0 goes on
                traffic.send(0, 100, 256); // guest 0 -> dead guest 1: sent, dropped at its NIC
                traffic.receive(0);
                traffic.receive(2);
                return traffic.received[0] == 100 && traffic.sent[0] == 100 && idd.stats(0).txPackets() == 100;
            }), "received " + traffic.received[0] + " (had " + before + ")");
            assertNull(idd.stats(0).failure());
            assertNull(idd.stats(2).failure());
            rig.closeAndCheckFrames(idd);
        }
    }

    @ParameterizedTest
    @EnumSource(IddPath.class)
    void driverDomainDestroyedMidTransferGivesDeviceGoneAndANewOneServesTheSameGuests(final IddPath path)
    {
        try (IddRig rig = new IddRig(2, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(path, "persistent"));
            final Traffic traffic = new Traffic(idd);
            traffic.fill(rig, 20, 12, 300);
            rig.kernel.destroyDomain(idd.domain());
            assertTrue(idd.isGone());
            assertThrows(DeviceGoneException.class, () -> idd.guest(0).tryClaim(64, traffic.claims[0]));
            assertThrows(DeviceGoneException.class, () -> idd.guest(1).poll(message -> { }, 1));
            idd.close();
            assertEquals(rig.freeAtStart, rig.kernel.freeFrames(), "every grant and frame returned");

            final DriverDomain second = rig.attach(IddRig.small(path, "persistent"));
            final Traffic again = new Traffic(second);
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                again.send(0, 50, 300);
                again.send(1, 50, 300);
                again.receive(0);
                again.receive(1);
                return again.received[0] == 50 && again.received[1] == 50;
            }), "traffic resumed: " + again.received[0] + "/" + again.received[1]);
            rig.closeAndCheckFrames(second);
        }
    }

    @Test
    void dmaFaultOnAGuestBufferCompletesThatRequestWithAnErrorAndNothingLeaks()
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, "map"));
            final Traffic traffic = new Traffic(idd);
            traffic.send(0, 1, 200);
            assertTrue(rig.pumpUntil(1000, () ->
            {
                idd.doWork(); // the driver domain only: the request is pinned and posted, the device has not run
                return idd.txFrameInFlight(0) >= 0;
            }));
            final int frame = idd.txFrameInFlight(0);
            assertEquals(rig.guests[0].id(), rig.kernel.ownerOf(frame), "a page of the guest, mapped by grant");
            // Pins lost under the device (the bug this guards against: the grant map's and the DMA pin): its DMA
            // read faults.
            int pins = 0;
            while (rig.kernel.pinCountOf(frame) > 0)
            {
                rig.kernel.unpinFrame(frame);
                pins++;
            }
            final long faultsBefore = idd.domain().counter(io.barge.core.device.DeviceCounters.DMA_FAULTS);
            idd.pumpDevices();
            assertEquals(faultsBefore + 1, idd.domain().counter(io.barge.core.device.DeviceCounters.DMA_FAULTS));
            for (int i = 0; i < pins; i++)
            {
                rig.kernel.pinFrame(rig.guests[0], frame); // give back the pins the driver domain and grant will drop
            }
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                traffic.receive(0);
                return !traffic.errors.isEmpty();
            }));
            assertEquals(List.of(0), traffic.errors, "the request answered with an error");
            assertEquals(1, idd.stats(0).txErrors());
            // What stays is the guest's channel's own pin, held for the channel's life (xen teardown frees it).
            assertEquals(1, rig.kernel.pinCountOf(frame), "unpinned once, by the driver domain");
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                traffic.send(0, 11, 200);
                traffic.receive(1);
                return traffic.received[1] == 10;
            }), "the guest goes on");
            rig.closeAndCheckFrames(idd);
        }
    }
}
