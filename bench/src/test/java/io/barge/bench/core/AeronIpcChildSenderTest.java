package io.barge.bench.core;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Aeron IPC child of {@link CrossProcessBenchmark}: its messages arrive whole and in sequence in this process
 * (one frame and fragmented), and once the subscription closes the child ends and its driver's directory is gone.
 */
@Timeout(60)
class AeronIpcChildSenderTest
{
    private long expected;
    private int length;
    private int wrong;

    @ParameterizedTest
    @ValueSource(ints = { 64, 65536 })
    void messagesArriveWholeAndInOrderAndTheChildCleansUp(final int size) throws Exception
    {
        final Path directory = AeronIpc.uniqueDirectory();
        final Process child = ChildStreams.startChild(AeronIpcChildSender.class, directory.toString(),
            Integer.toString(size), Integer.toString(ChildStreams.inFlight(size)));
        Aeron aeron = null;
        Subscription subscription = null;
        try
        {
            ChildStreams.readyLine(child, AeronIpcChildSender.READY);
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory.toString())
                .useConductorAgentInvoker(true));
            subscription = aeron.addSubscription(CommonContext.IPC_CHANNEL, AeronIpc.STREAM_ID);
            final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(
                (buffer, offset, messageLength, header) ->
                {
                    if (buffer.getLong(offset) != expected)
                    {
                        wrong++;
                    }
                    expected++;
                    length = messageLength;
                    return ControlledFragmentHandler.Action.CONTINUE;
                }, size, true);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (expected < 2_000 && System.nanoTime() - deadline < 0)
            {
                if (subscription.controlledPoll(assembler, AeronIpc.FRAGMENT_LIMIT) == 0)
                {
                    aeron.conductorAgentInvoker().invoke();
                }
            }
            assertTrue(expected >= 2_000, "took " + expected + " messages in 30 s");
            assertEquals(0, wrong, "messages out of sequence");
            assertEquals(size, length);
        }
        finally
        {
            CloseHelper.closeAll(subscription, aeron);
            final boolean ended = child.waitFor(30, TimeUnit.SECONDS);
            if (!ended)
            {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertTrue(ended, "the child did not end after the subscription closed");
            assertEquals(0, child.exitValue());
        }
        assertFalse(Files.exists(directory), "the child's driver deleted its directory");
    }
}
