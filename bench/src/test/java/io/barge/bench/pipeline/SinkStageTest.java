package io.barge.bench.pipeline;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.Rights;
import io.barge.core.notify.Waitset;
import io.barge.core.notify.WaitsetChannel;
import io.barge.core.transport.Message;
import io.barge.core.transport.MessageHandler;
import io.barge.core.transport.Receiver;
import io.barge.core.transport.Status;
import io.barge.core.transport.spi.EndSupport;
import io.barge.core.transport.spi.Flyweights;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sink's checks, fed crafted messages: the sequence check sees gaps and reordering, the run completes at the
 * configured count.
 */
@Timeout(30)
class SinkStageTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain sink;
    private long page;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory);
        sink = kernel.createDomain("sink");
        page = kernel.reserve(sink, 1);
        kernel.map(sink, page, kernel.allocateFrame(sink, true), Rights.READ_WRITE);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** Delivers one message per poll whose header carries the next of the given sequence numbers. */
    private final class ScriptedReceiver implements Receiver
    {
        private final long[] sequences;
        private final Message flyweight = new Message();
        private final WaitsetChannel readyChannel = new WaitsetChannel("scripted");
        private int next;

        ScriptedReceiver(final long... sequences)
        {
            this.sequences = sequences;
        }

        @Override
        public Domain domain()
        {
            return sink;
        }

        @Override
        public Message newMessage()
        {
            return new Message();
        }

        @Override
        public int poll(final Message into)
        {
            if (next == sequences.length)
            {
                return Status.EMPTY;
            }
            sink.addressSpace().putLong(page + PipelineMessageDescriptor.TIMESTAMP_OFFSET, System.nanoTime());
            sink.addressSpace().putLong(page + PipelineMessageDescriptor.SEQUENCE_OFFSET, sequences[next++]);
            Flyweights.begin(into, this, sink.addressSpace(), 0, null, false);
            Flyweights.addPiece(into, page, 64);
            return Status.OK;
        }

        @Override
        public int poll(final MessageHandler handler, final int limit)
        {
            return EndSupport.poll(this, flyweight, handler, limit);
        }

        @Override
        public boolean isEndOfStream()
        {
            return false; // a scripted stream never ends; the run control stops the sink
        }

        @Override
        public void register(final Waitset waitset, final Runnable handler)
        {
            readyChannel.registerPolled(waitset, handler, () -> next < sequences.length);
        }

        @Override
        public void release(final Message message)
        {
            Flyweights.end(message);
        }
    }

    private SinkStage sinkFor(final RunControl control, final long... sequences)
    {
        final PipelineConfig config = PipelineConfig.builder().messages(sequences.length).warmup(1).size(64).build();
        return new SinkStage(new ScriptedReceiver(sequences), config, control, new Histogram(3), kernel.counters(),
            new long[io.barge.core.CounterType.values().length]);
    }

    @Test
    void inOrderMessagesCompleteTheRunWithoutErrors() throws InterruptedException
    {
        final RunControl control = new RunControl();
        final SinkStage stage = sinkFor(control, 0, 1, 2, 3, 4);

        assertEquals(5, stage.doWork());

        assertTrue(control.await(1));
        assertEquals(5, stage.received());
        assertEquals(0, stage.sequenceErrors());
        assertEquals(4 * 64, stage.measuredBytes(), "the warm-up message is not measured");
    }

    @Test
    void aReorderingIsSeen()
    {
        final SinkStage stage = sinkFor(new RunControl(), 0, 1, 3, 2, 4);

        stage.doWork();

        assertEquals(2, stage.sequenceErrors(), "3 came early, 2 came late");
    }

    @Test
    void aGapCountsOnce()
    {
        final SinkStage stage = sinkFor(new RunControl(), 0, 1, 5, 6, 7);

        stage.doWork();

        assertEquals(1, stage.sequenceErrors());
    }
}
