package io.barge.bench.core;

import io.barge.core.notify.LmpChannel;
import io.barge.core.notify.LmpEndpoint;
import io.barge.core.notify.LmpSender;
import io.barge.core.notify.Notifications;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.Waitset;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;

import java.util.concurrent.TimeUnit;

/**
 * Cost of one LMP message, send plus receive, on one thread (domains on the same core), 56-byte payload:
 * <ul>
 *   <li>{@code poll}: send (the kernel copies the words into the endpoint), then poll the endpoint;</li>
 *   <li>{@code sync}: synchronous optimisation on, a receive handler registered on a waitset: the send runs the
 *       handler at once (the directed yield), which polls and registers again;</li>
 *   <li>{@code dispatch}: synchronous off: the send makes the receive event pending, then the waitset dispatches
 *       it (as a core's event loop would).</li>
 * </ul>
 * <pre>
 *   ./barge bench LmpBenchmark -f 1
 *   ./barge bench LmpBenchmark -f 1 -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class LmpBenchmark implements NotifyHandler, Runnable
{
    private static final int MSG_TYPE = 1;

    @Param({ "poll", "sync", "dispatch" })
    String mode;

    private Machine machine;
    private LmpChannel channel;
    private LmpSender sender;
    private LmpEndpoint endpoint;
    private Waitset waitset;
    private final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
    private long next;
    private long received;
    private long last;

    /**
     * Opens the channel; in the waitset modes registers the receive handler.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        machine = new Machine(1024);
        channel = Notifications.openLmp(machine.kernel(), machine.a(), machine.b(), 64);
        sender = channel.sender();
        endpoint = channel.receiver();
        channel.synchronous("sync".equals(mode));
        if (!"poll".equals(mode))
        {
            waitset = new Waitset("lmp-bench");
            endpoint.registerReceive(waitset, this);
        }
    }

    /**
     * Closes the channel and the machine; a lost message fails the run.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        channel.close();
        machine.close();
        if (received != next)
        {
            throw new IllegalStateException(mode + ": sent " + next + " received " + received);
        }
    }

    /**
     * @return the last word received.
     */
    @Benchmark
    public long sendAndReceive()
    {
        payload.putLong(0, next);
        if (sender.offer(MSG_TYPE, payload, 0, SpscLink.PAYLOAD_LENGTH) != 0)
        {
            throw new IllegalStateException("back pressured on an empty endpoint");
        }
        next++;
        switch (mode)
        {
            case "poll":
                endpoint.poll(this, 1);
                break;
            case "dispatch":
                if (!waitset.poll())
                {
                    throw new IllegalStateException("no receive event after a send");
                }
                break;
            default:
                break; // sync: the send already ran the handler
        }
        return last;
    }

    /**
     * The receive handler of the waitset modes: takes the message, registers again.
     */
    @Override
    public void run()
    {
        endpoint.poll(this, 1);
        endpoint.registerReceive(waitset, this);
    }

    @Override
    public void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        last = buffer.getLong(offset);
        received++;
    }
}
