package io.barge.drivers.nic;

import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A measured run (not a test): packets per second between two NICs back to back on an unlimited link, one driver
 * domain each, for 64 B and 1500 B frames. Two placements: {@code pump} runs both devices and both drivers on one
 * thread (the whole per-packet cost on one core); {@code agents} runs each device as an agent on a thread of its
 * own and both drivers on the main thread. Windows alternate between sizes within one JVM.
 * <pre>
 * java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -cp CLASSPATH io.barge.drivers.nic.NicThroughputRun
 * </pre>
 */
public final class NicThroughputRun
{
    private NicThroughputRun()
    {
    }

    /**
     * @param args [windows] [seconds per window]
     * @throws Exception if the machine fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int windows = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2.0;
        for (int w = 0; w < windows; w++)
        {
            for (final int size : new int[]{64, 1500})
            {
                for (final boolean agents : new boolean[]{false, true})
                {
                    final double pps = run(size, agents, (long)(seconds * 1e9));
                    System.out.printf("window=%d size=%d placement=%s packets/s=%.0f Gbit/s=%.3f%n", w, size,
                        agents ? "agents" : "pump", pps, pps * size * 8 / 1e9);
                }
            }
        }
    }

    private static double run(final int size, final boolean agents, final long nanos) throws Exception
    {
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(2048);
            Kernel kernel = new Kernel(memory))
        {
            final Wire wire = new Wire(1500, Link.UNLIMITED, 1504, 1 << 20, SystemNanoClock.INSTANCE);
            final Nic nicA = new Nic(kernel, "a", wire.a(), new NicConfig().coalescing(32, 50_000));
            final Nic nicB = new Nic(kernel, "b", wire.b(), new NicConfig().coalescing(32, 50_000));
            final long[] received = new long[1];
            final NicDriver sender = new NicDriver(kernel, kernel.createDomain("driverA"), nicA, 256,
                NicDriver.Mode.POLLING, 64, (b, o, l) -> { });
            final NicDriver receiver = new NicDriver(kernel, kernel.createDomain("driverB"), nicB, 256,
                NicDriver.Mode.POLLING, 64, (b, o, l) -> received[0]++);
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[size]);
            AgentRunner runA = null;
            AgentRunner runB = null;
            if (agents)
            {
                runA = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, nicA);
                runB = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, nicB);
                AgentRunner.startOnThread(runA);
                AgentRunner.startOnThread(runB);
            }
            final BackoffIdleStrategy idle = new BackoffIdleStrategy();
            long sent = 0;
            long start = 0;
            long startCount = 0;
            final long warmup = nanos / 4;
            final long begin = System.nanoTime();
            long now = begin;
            while (now - begin < warmup + nanos)
            {
                int work = 0;
                for (int i = 0; i < 64 && sent - received[0] < 200 && sender.send(payload, 0, size); i++)
                {
                    sent++;
                    work++;
                }
                if (!agents)
                {
                    nicA.doWork();
                    nicB.doWork();
                }
                work += sender.poll(64) + receiver.poll(64);
                if (agents)
                {
                    idle.idle(work); // the devices' threads need the cores this one would spin on
                }
                now = System.nanoTime();
                if (start == 0 && now - begin >= warmup)
                {
                    start = now;
                    startCount = received[0];
                }
            }
            final double pps = (received[0] - startCount) * 1e9 / (now - start);
            if (agents)
            {
                runA.close();
                runB.close();
            }
            sender.close();
            receiver.close();
            nicA.close();
            nicB.close();
            return pps;
        }
    }
}
