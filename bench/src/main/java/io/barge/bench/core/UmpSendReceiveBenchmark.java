package io.barge.bench.core;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of one 56-byte send plus its receive on a single thread (no cache-line transfer between cores): UMP beside
 * Agrona's ring. Free of the vCPU placement effect, and the benchmark to run with {@code -prof gc} to show that
 * steady-state send and receive allocate nothing:
 * <pre>
 *   ./barge bench UmpSendReceive -f 1 -prof gc     (gc.alloc.rate.norm ~0 B/op expected)
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    BenchJvm.ADD_OPENS, BenchJvm.MISC, BenchJvm.NO_BOUNDS_CHECKS, BenchJvm.DIRECT_MEMORY })
@State(Scope.Thread)
public class UmpSendReceiveBenchmark
{
    @Param({ "agrona", "ump" })
    String impl;

    private Machine machine;
    private SpscLink link;
    private long next;

    /**
     * Opens the link.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        machine = new Machine(1024);
        link = "ump".equals(impl) ? Links.ump(machine, 1024) : new AgronaLink(1024);
        link.expect(0);
    }

    /**
     * Closes it; a lost or reordered message fails the run.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        final long errors = link.sequenceErrors();
        link.close();
        machine.close();
        if (errors != 0)
        {
            throw new IllegalStateException(impl + ": " + errors + " sequence errors");
        }
    }

    /**
     * @return the word received.
     */
    @Benchmark
    public long sendReceive()
    {
        if (!link.offer(next++) || link.drain(1) != 1)
        {
            throw new IllegalStateException(impl + ": a message sent on an empty ring was not received");
        }
        return link.lastWord();
    }
}
