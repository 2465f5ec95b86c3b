package io.barge.bench.core;

import io.barge.core.machine.MachineClient;
import io.barge.core.machine.PeerGoneException;
import io.barge.core.machine.ProcessSender;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Paths;

/**
 * The sending process of {@link CrossProcessBenchmark#processChannelFromChild}: attaches to the machine in
 * {@code args[0]}, creates a domain and a channel from it to domain {@code args[1]} ({@code args[2]}-byte messages,
 * an {@code args[3]}-byte ring), prints "channel &lt;id&gt;", then sends messages (the first word a sequence) as fast
 * as the ring takes them until the receiver closes its end. With {@code args[4]} "fill" it writes every word of each
 * message into its private buffer first ({@link Crossing#fill}), then the offer copies it.
 */
public final class ProcessChannelSender
{
    /** What the child prints once its channel exists. */
    static final String READY = "channel";

    private ProcessChannelSender()
    {
    }

    /**
     * @param args machine directory, receiver domain, message size, ring capacity[, "fill"].
     */
    public static void main(final String[] args)
    {
        final int size = Integer.parseInt(args[2]);
        final boolean fill = args.length > 4 && "fill".equals(args[4]);
        try (MachineClient client = MachineClient.attach(Paths.get(args[0])))
        {
            final int domain = client.createDomain("benchmark sender");
            final int channelId = client.createChannel(domain, Integer.parseInt(args[1]), size,
                Integer.parseInt(args[3]));
            final ProcessSender sender = client.openSender(channelId);
            System.out.println(READY + " " + channelId);
            System.out.flush();
            final UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
            final IdleStrategy idle = new BusySpinIdleStrategy();
            try
            {
                for (long sequence = 0; ; sequence++)
                {
                    Crossing.write(message, 0, size, sequence, fill);
                    while (sender.offer(message, 0, size) == ProcessSender.BACK_PRESSURED)
                    {
                        idle.idle();
                    }
                }
            }
            catch (final PeerGoneException ex)
            {
                sender.close(); // the receiver closed: the benchmark is over
            }
        }
    }
}
