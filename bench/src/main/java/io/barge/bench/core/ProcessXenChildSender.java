package io.barge.bench.core;

import io.barge.core.machine.MachineClient;
import io.barge.core.machine.PeerGoneException;
import io.barge.core.machine.ProcessTransport;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Sender;
import io.barge.core.transport.Status;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Paths;
import java.util.Map;

/**
 * The sending process of {@link CrossProcessBenchmark#xenChannelFromChild}: attaches to the machine in
 * {@code args[0]}, makes a domain through {@link ProcessTransport}'s {@code xen} kind (grant mode {@code args[5]})
 * and a channel from it to domain {@code args[1]} ({@code args[2]}-byte messages, {@code args[3]} buffers), prints
 * "channel &lt;id&gt;", then claims, writes in place (every word with {@code args[4]} "fill", else the first) and
 * commits as fast as the channel takes messages, until the receiver closes its end.
 */
public final class ProcessXenChildSender
{
    /** What the child prints once its channel exists. */
    static final String READY = "channel";

    private ProcessXenChildSender()
    {
    }

    /**
     * @param args machine directory, receiver domain, message size, buffers, "fill" or "word", grant mode.
     */
    public static void main(final String[] args)
    {
        final int size = Integer.parseInt(args[2]);
        final boolean fill = "fill".equals(args[4]);
        try (MachineClient client = MachineClient.attach(Paths.get(args[0]));
            ProcessTransport transport = ProcessTransport.open(client, ProcessTransport.XEN,
                Map.of(ProcessTransport.GRANTS, args[5])))
        {
            final int domain = transport.kernelDomainId(transport.createDomain("benchmark sender"));
            final int channelId = transport.createChannel(domain, Integer.parseInt(args[1]),
                new ChannelConfig(size, Integer.parseInt(args[3]), ChannelConfig.Notification.UMP));
            final Sender sender = transport.openChannel(channelId).sender();
            System.out.println(READY + " " + channelId);
            System.out.flush();
            final Claim claim = sender.newClaim();
            final IdleStrategy idle = new BusySpinIdleStrategy();
            try
            {
                for (long sequence = 0; ; sequence++)
                {
                    while (sender.tryClaim(size, claim) != Status.OK)
                    {
                        idle.idle();
                    }
                    Crossing.write(claim.buffer(), 0, size, sequence, fill);
                    sender.commit(claim);
                }
            }
            catch (final PeerGoneException ex)
            {
                // the receiver closed: the benchmark is over (the transport closes the channel)
            }
        }
    }
}
