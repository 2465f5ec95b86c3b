package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A quick two-thread throughput probe, not a test and not a benchmark of record (those are JMH, in bench/): UMP
 * against Agrona's {@code OneToOneRingBuffer} with 56-byte payloads and the same 16 KiB of ring, in alternating
 * windows. Run from bulk-core after {@code mvn test-compile}:
 * <pre>
 * java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -Dagrona.disable.bounds.checks=true \
 *   -cp target/classes:target/test-classes:$AGRONA_JAR io.barge.core.notify.UmpVsAgronaProbe 5000000 12
 * </pre>
 */
public final class UmpVsAgronaProbe
{
    private static volatile long sink;

    private UmpVsAgronaProbe()
    {
    }

    /**
     * @param args messages per window, windows.
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final long n = Long.parseLong(args[0]);
        final int windows = Integer.parseInt(args[1]);
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(1024); Kernel kernel = new Kernel(memory))
        {
            final Domain a = kernel.createDomain("a");
            final Domain b = kernel.createDomain("b");
            final double[] ump = new double[windows];
            final double[] agrona = new double[windows];
            for (int w = 0; w < windows; w++)
            {
                ump[w] = ump(kernel, a, b, n);
                agrona[w] = agrona(n);
            }
            Arrays.sort(ump);
            Arrays.sort(agrona);
            System.out.printf("UMP max %.1f median %.1f M msg/s; Agrona max %.1f median %.1f M msg/s%n",
                ump[windows - 1], ump[windows / 2], agrona[windows - 1], agrona[windows / 2]);
        }
    }

    private static double ump(final Kernel kernel, final Domain a, final Domain b, final long n)
        throws InterruptedException
    {
        try (UmpChannel channel = Notifications.openUmp(kernel, a, b, 256))
        {
            final UmpSender sender = channel.sender();
            final Thread producer = new Thread(() ->
            {
                for (long i = 0; i < n; )
                {
                    final int at = sender.tryClaim();
                    if (at < 0)
                    {
                        Thread.yield();
                        continue;
                    }
                    sender.buffer().putLong(at, i);
                    sender.commit(1, 56);
                    i++;
                }
            });
            final long[] sum = {0};
            final NotifyHandler handler = (type, buffer, offset, length) -> sum[0] += buffer.getLong(offset);
            final long start = System.nanoTime();
            producer.start();
            for (long got = 0; got < n; )
            {
                final int k = channel.receiver().poll(handler, 256);
                if (k == 0)
                {
                    Thread.yield();
                }
                got += k;
            }
            final long elapsed = System.nanoTime() - start;
            producer.join(300_000);
            if (producer.isAlive())
            {
                throw new AssertionError("producer still running after 300 s");
            }
            sink = sum[0];
            return n * 1e3 / elapsed;
        }
    }

    private static double agrona(final long n) throws InterruptedException
    {
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(16384 + RingBufferDescriptor.TRAILER_LENGTH)));
        final Thread producer = new Thread(() ->
        {
            for (long i = 0; i < n; )
            {
                final int at = ring.tryClaim(1, 56);
                if (at < 0)
                {
                    Thread.yield();
                    continue;
                }
                ring.buffer().putLong(at, i);
                ring.commit(at);
                i++;
            }
        });
        final long[] sum = {0};
        final MessageHandler handler = (type, buffer, offset, length) -> sum[0] += buffer.getLong(offset);
        final long start = System.nanoTime();
        producer.start();
        for (long got = 0; got < n; )
        {
            final int k = ring.read(handler, 256);
            if (k == 0)
            {
                Thread.yield();
            }
            got += k;
        }
        final long elapsed = System.nanoTime() - start;
        producer.join(300_000);
        if (producer.isAlive())
        {
            throw new AssertionError("producer still running after 300 s");
        }
        sink = sum[0];
        return n * 1e3 / elapsed;
    }
}
