package io.barge.drivers.pipeline;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Transport;
import io.barge.core.transport.Transports;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PipelinePathTest
{
    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(4096);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /**
     * Bytes copied per message, fixed data: copy copies in and out on every hop; fbufs hands the buffer on; rbufs
     * (transmit master, the default) hands the region of the source's data area on along the path. The capacity
     * of 4 is less than the hops' returns may take to climb back to the source, one hop per poll.
     */
    @ParameterizedTest(name = "{0} over {1} hops")
    @CsvSource({"copy, 1, 2000", "copy, 4, 8000", "fbufs, 1, 0", "fbufs, 4, 0", "rbufs, 1, 0", "rbufs, 4, 0",
        "rbufs, 8, 0"})
    void movesOneMessageAtATimeAndReturnsEveryFrame(final String transportName, final int hops,
        final long bytesCopiedPerMessage)
    {
        final LeakCheck leaks = LeakCheck.of(kernel);
        try (Transport transport = Transports.create(kernel, transportName, Map.of()))
        {
            try (PipelinePath path = new PipelinePath(kernel, transport, hops,
                ChannelConfig.defaults().withMaxMessageLength(1000).withCapacity(4), 1000, false))
            {
                assertEquals(hops, path.path().hops());
                path.send(8);
                final long before = kernel.counters().total(CounterType.BYTES_COPIED);

                assertEquals(40L * 1000, path.send(40), "each message arrives whole at the sink");

                assertEquals(bytesCopiedPerMessage * 40, kernel.counters().total(CounterType.BYTES_COPIED) - before);
            }
        }
        leaks.assertNothingLeaked();
    }
}
