package io.barge.bench.core;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The sending process of {@link CrossProcessBenchmark#aeronIpcFromChild}, Aeron IPC's counterpart of
 * {@link ProcessChannelSender}: launches a media driver in directory {@code args[0]} in the invoker mode of
 * {@link AeronIpc} (no driver thread: this process's one thread runs the driver's duty cycle whenever the
 * publication reports back pressure, so the two processes have one busy thread each, as the process channel's
 * two), adds an exclusive IPC publication ({@code args[1]}-byte messages, a window of {@code args[2]} of them),
 * prints {@value #READY}, then, once the parent's subscription has connected, sends as fast as the log takes
 * messages, the first word a sequence: one that fits a frame by {@code tryClaim} (the whole message copied in from
 * a private buffer, as {@link io.barge.core.machine.ProcessSender#offer} copies), a larger one by {@code offer}
 * (Aeron fragments it). With {@code args[3]} "fill" it writes every word of each message ({@link Crossing#fill}): in
 * place in the claim when one frame holds it (Aeron's zero-copy path), else into the private buffer the offer then
 * copies, as {@link ProcessChannelSender} does. It ends when the subscription has gone (the publication is no longer connected) or after
 * a minute without one, and the driver deletes its directory.
 */
public final class AeronIpcChildSender
{
    /** What the child prints once its publication exists. */
    static final String READY = "aeron publication ready";
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.MINUTES.toNanos(1);

    private AeronIpcChildSender()
    {
    }

    /**
     * @param args driver directory, message size, messages in flight[, "fill"].
     */
    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[0]);
        final int size = Integer.parseInt(args[1]);
        final int capacity = Integer.parseInt(args[2]);
        final boolean fill = args.length > 3 && "fill".equals(args[3]);
        final MediaDriver.Context driverContext = AeronIpc.driverContext(directory);
        try (MediaDriver driver = MediaDriver.launch(driverContext);
            Aeron aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(directory.toString())
                .driverAgentInvoker(driver.sharedAgentInvoker())
                .useConductorAgentInvoker(true)
                .driverTimeoutMs(TimeUnit.NANOSECONDS.toMillis(AeronIpc.IDLE_TIMEOUT_NS)));
            ExclusivePublication publication = aeron.addExclusivePublication(
                AeronIpc.publicationChannel(driverContext, size, capacity), AeronIpc.STREAM_ID))
        {
            System.out.println(READY);
            System.out.flush();
            final AgentInvoker driverInvoker = driver.sharedAgentInvoker();
            final AgentInvoker clientInvoker = aeron.conductorAgentInvoker();
            final long deadline = System.nanoTime() + CONNECT_TIMEOUT_NS;
            while (!publication.isConnected() && System.nanoTime() - deadline < 0)
            {
                driverInvoker.invoke();
                clientInvoker.invoke();
            }
            send(publication, size, fill, driverInvoker, clientInvoker);
        }
    }

    private static void send(final ExclusivePublication publication, final int size, final boolean fill,
        final AgentInvoker driverInvoker, final AgentInvoker clientInvoker)
    {
        final UnsafeBuffer source = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.align(size, 4096),
            4096), 0, size);
        final boolean claims = size <= publication.maxPayloadLength();
        final BufferClaim claim = new BufferClaim();
        long filled = -1;
        for (long sequence = 0; publication.isConnected(); )
        {
            final long result;
            if (claims)
            {
                result = publication.tryClaim(size, claim);
                if (result > 0)
                {
                    if (fill)
                    {
                        Crossing.fill(claim.buffer(), claim.offset(), size, sequence); // in place: Aeron's zero copy
                    }
                    else
                    {
                        claim.buffer().putBytes(claim.offset(), source, 0, size);
                        claim.buffer().putLong(claim.offset(), sequence);
                    }
                    claim.commit(); // a release of the frame length: the subscriber that sees it sees the bytes
                }
            }
            else
            {
                if (!fill)
                {
                    source.putLong(0, sequence);
                }
                else if (filled != sequence)
                {
                    Crossing.fill(source, 0, size, sequence); // once per message, as the ring's sender: not per try
                    filled = sequence;
                }
                result = publication.offer(source, 0, size);
            }
            if (result > 0)
            {
                sequence++;
            }
            else if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                return;
            }
            else
            {
                // Back pressured (or an admin action): the driver moves the limit on from the subscriber's position.
                driverInvoker.invoke();
                clientInvoker.invoke();
            }
        }
    }
}
