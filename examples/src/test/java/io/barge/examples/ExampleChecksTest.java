package io.barge.examples;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The examples' checks can fail: run unchanged over a {@link TamperingTransportProvider} transport, each example
 * refuses a message out of order, one wrong byte, a short message, a lost last message and a leaked frame, naming
 * where; and it leaves no thread of its own behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExampleChecksTest
{
    static List<Arguments> faults()
    {
        final List<Arguments> faults = new ArrayList<>();
        for (final String example : List.of("StreamExample", "PipelineExample"))
        {
            faults.add(Arguments.of(example, "tamper-reorder", "message 1 is wrong"));
            faults.add(Arguments.of(example, "tamper-byte", "message 2 is wrong"));
            faults.add(Arguments.of(example, "tamper-short", "message 3 is wrong"));
            faults.add(Arguments.of(example, "tamper-lose-last", "16383 messages, "));
            faults.add(Arguments.of(example, "tamper-leak", "16384 messages, "));
        }
        return faults;
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("faults")
    void aFaultIsRefusedNamingWhere(final String example, final String transport, final String refusal)
    {
        final ExampleRun.Main main = "StreamExample".equals(example) ? StreamExample::main : PipelineExample::main;
        final IllegalStateException refused =
            assertThrows(IllegalStateException.class, () -> ExampleRun.output(main, transport));
        assertTrue(refused.getMessage().startsWith(refusal), refused.getMessage());
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            assertFalse(thread.getName().matches("[ABC]-\\d+-thread"), "left running: " + thread);
        }
    }
}
