package io.barge.drivers.pipeline;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(10)
class SweepAgentTest
{
    private final List<String> calls = new ArrayList<>();

    private final class Recording implements Agent
    {
        private final String name;
        private final int work;
        private final RuntimeException onClose;

        Recording(final String name, final int work, final RuntimeException onClose)
        {
            this.name = name;
            this.work = work;
            this.onClose = onClose;
        }

        @Override
        public void onStart()
        {
            calls.add("start:" + name);
        }

        @Override
        public int doWork()
        {
            calls.add(name);
            return work;
        }

        @Override
        public void onClose()
        {
            calls.add("close:" + name);
            if (onClose != null)
            {
                throw onClose;
            }
        }

        @Override
        public String roleName()
        {
            return name;
        }
    }

    private List<Agent> agents(final int count)
    {
        final List<Agent> agents = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            agents.add(new Recording(String.valueOf(i), i + 1, null));
        }
        return agents;
    }

    @ParameterizedTest(name = "{0} agents")
    @CsvSource({
        "1, '0'",
        "2, '0 1'",
        "3, '0 1 2 1'",
        "5, '0 1 2 3 4 3 2 1'",
        "9, '0 1 2 3 4 5 6 7 8 7 6 5 4 3 2 1'"})
    void aDutyCycleRunsThePathDownstreamThenBackUpToTheSecond(final int count, final String order) throws Exception
    {
        final SweepAgent sweep = new SweepAgent(agents(count));

        sweep.doWork();
        sweep.doWork();

        assertEquals(order + " " + order, String.join(" ", calls), "two duty cycles");
    }

    @Test
    void workIsTheSumOfEveryCall() throws Exception
    {
        // Agents return 1, 2, 3, 4: the cycle calls them 1, 2, 3, 4, 3, 2.
        assertEquals(15, new SweepAgent(agents(4)).doWork());
    }

    @Test
    void startAndCloseReachEveryAgentOnceInPathOrder()
    {
        final SweepAgent sweep = new SweepAgent(agents(3));

        sweep.onStart();
        sweep.onClose();

        assertEquals(List.of("start:0", "start:1", "start:2", "close:0", "close:1", "close:2"), calls);
        assertEquals("[0,1,2]", sweep.roleName());
    }

    @Test
    void anAgentThatThrowsOnCloseDoesNotKeepTheOthersFromClosing()
    {
        final IllegalStateException first = new IllegalStateException("first");
        final IllegalStateException second = new IllegalStateException("second");
        final SweepAgent sweep = new SweepAgent(Arrays.asList(new Recording("a", 0, first),
            new Recording("b", 0, null), new Recording("c", 0, second)));

        final IllegalStateException thrown = assertThrows(IllegalStateException.class, sweep::onClose);

        assertSame(first, thrown);
        assertEquals(List.of(second), Arrays.asList(thrown.getSuppressed()));
        assertEquals("close:a close:b close:c", calls.stream().collect(Collectors.joining(" ")));
    }

    @Test
    void aSweepNeedsAnAgent()
    {
        assertThrows(IllegalArgumentException.class, () -> new SweepAgent(List.of()));
    }
}
