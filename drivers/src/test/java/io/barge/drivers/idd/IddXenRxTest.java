package io.barge.drivers.idd;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.Claim;
import io.barge.grant.GrantCounters;
import io.barge.grant.GrantTableDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver domain's xen RX path, netfront's way: each guest posts RX buffers in its own granted pages; the driver
 * domain pins a posted buffer through its grant mapping and the NIC DMAs the frame straight into the guest's page
 * ({@code persistent}, {@code map}), or into a staging page of its own that the commit grant-copies into the posted
 * page ({@code copy}). Either way a guest receives in its own memory.
 */
@Timeout(60)
class IddXenRxTest
{
    @ParameterizedTest(name = "{0}")
    @CsvSource({ "persistent, true", "map, true", "copy, false" })
    void guestsReceiveInTheirOwnPostedPagesAndTheNicWritesThereUnlessCopying(final String grants,
        final boolean dmaIntoGuest)
    {
        try (IddRig rig = new IddRig(2, 4096))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, grants));
            for (int g = 0; g < 2; g++)
            {
                final int frame = idd.rxFramePosted(g);
                assertTrue(frame >= 0, "guest " + g + " has RX buffers on its NIC");
                assertEquals(dmaIntoGuest ? rig.guests[g].id() : idd.domain().id(), rig.kernel.ownerOf(frame),
                    grants + ": the frame the NIC writes for guest " + g);
            }
            final long copies0 = idd.domain().counter(GrantCounters.GRANT_COPIES);
            final long bytes0 = idd.domain().counter(CounterType.BYTES_COPIED);
            final long maps0 = idd.domain().counter(GrantCounters.GRANT_MAPS);
            final Claim[] claims = { idd.guest(0).newClaim(), idd.guest(1).newClaim() };
            final long[] sent = new long[2];
            final long[] received = new long[2];
            final int frames = 100;
            final int length = 300;
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                for (int g = 0; g < 2; g++)
                {
                    if (sent[g] < frames && IddRig.send(idd.guest(g), claims[g], g, sent[g], length))
                    {
                        sent[g]++;
                    }
                    final int me = g;
                    idd.guest(g).poll(message ->
                    {
                        // From the other guest, in order, intact, in a page of this guest's own.
                        final int from = 1 - me;
                        assertEquals(((long)from << 48) | received[me], IddRig.stamp(message));
                        for (int i = 8; i < length; i++)
                        {
                            assertEquals(IddRig.pattern(from, received[me], i), message.getByte(i));
                        }
                        final int frame = rig.guests[me].addressSpace().frameAt(message.pieceAddress(0));
                        assertEquals(rig.guests[me].id(), rig.kernel.ownerOf(frame), "received in its own page");
                        received[me]++;
                    }, 16);
                    idd.guest(g).pollResponses((id, status) -> { }, 16);
                }
                return received[0] == frames && received[1] == frames;
            }), () -> "received " + received[0] + "/" + received[1]);
            final long copies = idd.domain().counter(GrantCounters.GRANT_COPIES) - copies0;
            final long bytes = idd.domain().counter(CounterType.BYTES_COPIED) - bytes0;
            final long maps = idd.domain().counter(GrantCounters.GRANT_MAPS) - maps0;
            switch (grants)
            {
                case "persistent":
                    assertEquals(0, copies + maps, "persistent: nothing mapped or copied per frame");
                    break;
                case "map":
                    assertEquals(0, copies);
                    // TX maps each request's page, RX each posted buffer's page when claimed: up to 16 a guest were
                    // claimed before the count started, and as many may be claimed ahead when it ends.
                    assertTrue(maps >= 4L * frames - 2 * 16 && maps <= 4L * frames + 2 * 16, "maps=" + maps);
                    break;
                default:
                    // TX copies each request's page in, RX each frame out into its posted page at the commit.
                    assertEquals(4L * frames, copies, "grant copies");
                    assertTrue(bytes >= 2L * frames * length, "bytes copied=" + bytes);
                    break;
            }
            rig.closeAndCheckFrames(idd);
        }
    }

    /**
     * A hostile guest rewrites its own grant table so that its posted RX pages are read-only to the driver domain:
     * the next frame for it fails the commit's grant copy, and the guest is retired alone (from the RX port's refill
     * on the waitset, not inside the NIC driver's completion), its channels closed with the protocol violation;
     * the other guests' frames go on and every frame comes back.
     */
    @Test
    void copyGuestThatMakesItsPostedGrantsReadOnlyIsRetiredAloneWhenAFrameReachesIt()
    {
        try (IddRig rig = new IddRig(3, 8192))
        {
            final DriverDomain idd = rig.attach(IddRig.small(IddPath.XEN, "copy"));
            assertTrue(revokeWrites(rig, rig.guests[1], idd.domain().id()) >= 16, "guest 1's posted RX grants");
            final Claim[] claims = { idd.guest(0).newClaim(), null, idd.guest(2).newClaim() };
            final long[] sent = new long[3];
            final long[] received = new long[1];
            assertTrue(rig.pumpUntil(100_000, () ->
            {
                for (final int g : new int[]{ 0, 2 }) // guest 0 -> guest 1 (retired), guest 2 -> guest 0
                {
                    if (sent[g] < 20 && IddRig.send(idd.guest(g), claims[g], g, sent[g], 200))
                    {
                        sent[g]++;
                    }
                    idd.guest(g).pollResponses((id, status) -> { }, 16);
                }
                idd.guest(0).poll(message -> received[0]++, 16);
                return received[0] == 20 && idd.stats(1).failure() != null;
            }), () -> "received " + received[0] + ", " + idd.stats(1));
            assertNotNull(idd.stats(1).failure());
            Throwable root = idd.stats(1).failure();
            while (!(root instanceof ProtocolViolationException) && root.getCause() != null)
            {
                root = root.getCause();
            }
            assertInstanceOf(ProtocolViolationException.class, root, String.valueOf(idd.stats(1).failure()));
            assertTrue(root.getMessage().contains("xen commit") && root.getMessage().contains("grant copy"),
                root.getMessage());
            assertNull(idd.stats(0).failure());
            assertNull(idd.stats(2).failure());
            rig.closeAndCheckFrames(idd);
        }
    }

    /** Sets READ_ONLY on every writable grant of {@code guest} to {@code grantee}, in its table frames in place. */
    private static int revokeWrites(final IddRig rig, final Domain guest, final int grantee)
    {
        final int pageSize = rig.memory.frameSize();
        final UnsafeBuffer page = new UnsafeBuffer(new byte[0]);
        int changed = 0;
        for (int frame = 0; frame < rig.memory.frameCount(); frame++)
        {
            if (rig.kernel.ownerOf(frame) != guest.id())
            {
                continue;
            }
            rig.kernel.wrapFrame(page, frame);
            if (page.getInt(GrantTableDescriptor.MAGIC_OFFSET) != GrantTableDescriptor.MAGIC)
            {
                continue;
            }
            for (int ref = GrantTableDescriptor.FIRST_REF; ref < GrantTableDescriptor.entriesPerPage(pageSize); ref++)
            {
                final int at = GrantTableDescriptor.entryOffset(ref, pageSize) + GrantTableDescriptor.STATUS_OFFSET;
                final long status = page.getLongVolatile(at);
                final int flags = (int)status;
                if ((flags & GrantTableDescriptor.PERMIT_ACCESS) != 0 && (flags & GrantTableDescriptor.READ_ONLY) == 0 &&
                    (int)(status >>> 32) == grantee)
                {
                    page.putLongVolatile(at, status | GrantTableDescriptor.READ_ONLY);
                    changed++;
                }
            }
        }
        return changed;
    }
}
