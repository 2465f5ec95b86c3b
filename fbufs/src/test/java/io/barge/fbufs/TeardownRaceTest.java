package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.ProtectionFault;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.testkit.KillSwitch;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One thread sends and receives in a loop while another tears the channel down (closes it, or destroys the
 * receiving domain) at a seeded moment. The looping thread sees only statuses and typed errors (a closed channel;
 * its own access to memory the teardown took away), and every frame comes back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TeardownRaceTest extends FbufFixture
{
    private static final int ROUNDS = 40;

    static List<Arguments> cases()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final FbufMode mode : FbufMode.ALL)
        {
            cases.add(Arguments.of(mode, false, 11L));
            cases.add(Arguments.of(mode, true, 13L));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} destroy={1} seed={2}")
    @MethodSource("cases")
    void endRacingATeardownGetsATypedErrorAndEveryFrameReturns(final FbufMode mode, final boolean destroy,
        final long seed) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < ROUNDS; r++)
        {
            final int round = r;
            final LeakCheck check = LeakCheck.of(kernel);
            final io.barge.core.Domain peer = kernel.createDomain("peer-" + round);
            final FbufChannel channel = transport(mode).open(a, peer, config(8192, 4));
            final int killAfter = 1 + random.nextInt(60);
            // Closing the channel instead: the switch only counts, its victim is a bystander domain.
            final KillSwitch kill = KillSwitch.destroyAfter(kernel, destroy ? peer : kernel.createDomain("bystander"),
                killAfter);
            final CountDownLatch started = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread looping = new Thread(() -> loop(channel, started, failure), "looping");
            looping.start();
            assertTrue(started.await(30, TimeUnit.SECONDS), "looping thread started");
            // The teardown, on this thread, after a seeded number of ticks while the other thread works.
            while (!kill.tick())
            {
                Thread.onSpinWait();
            }
            if (!destroy)
            {
                channel.close();
            }
            looping.join(30_000);
            assertFalse(looping.isAlive(), "looping thread ended (seed=" + seed + ", round " + round + ")");
            assertNull(failure.get(), () -> "seed=" + seed + " round " + round + ": " + failure.get());
            if (peer.isAlive())
            {
                kernel.destroyDomain(peer);
            }
            transport.close();
            transport = null;
            check.assertNothingLeaked();
        }
    }

    /** Sends and receives until the channel is gone; anything but a status or a typed error is a failure. */
    private static void loop(final FbufChannel channel, final CountDownLatch started,
        final AtomicReference<Throwable> failure)
    {
        final Claim claim = channel.sender().newClaim();
        final Message message = channel.receiver().newMessage();
        started.countDown();
        try
        {
            for (int i = 0; ; i++)
            {
                final int claimed = channel.sender().tryClaim(100 + (i % 5000), claim);
                assertTrue(claimed == Status.OK || claimed == Status.BACK_PRESSURED, "tryClaim status " + claimed);
                if (claimed == Status.OK)
                {
                    final long stamp = 0x5EED_0000L + i;
                    ownAccess(() -> claim.putLong(0, stamp));
                    channel.sender().commit(claim);
                }
                final int polled = channel.receiver().poll(message);
                assertTrue(polled == Status.OK || polled == Status.EMPTY || polled == Status.BACK_PRESSURED,
                    "poll status " + polled);
                if (polled == Status.OK)
                {
                    ownAccess(message::touch);
                    channel.receiver().release(message);
                }
            }
        }
        catch (final ChannelClosedException expected)
        {
            if (channel.isOpen() && channel.receiver().domain().isAlive())
            {
                failure.set(new AssertionError("channel closed error on an open channel", expected));
            }
        }
        catch (final Throwable t)
        {
            failure.set(t);
        }
    }

    /** The looping thread's own reads and writes of memory the teardown may just have taken away. */
    private static void ownAccess(final Runnable access)
    {
        try
        {
            access.run();
        }
        catch (final ProtectionFault | BufferStateException gone)
        {
            // The mapping or the message went with the teardown: the access touched no freed frame.
        }
    }

}
