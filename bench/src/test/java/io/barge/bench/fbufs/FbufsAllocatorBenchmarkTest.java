package io.barge.bench.fbufs;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The allocator benchmark compares equal work: three allocators that each hand out a 4 KiB direct ByteBuf per call
 * (fbufs' own, Netty's Adaptive and Pooled) under one leak-detection level, and the raw path allocator as a row
 * apart.
 */
class FbufsAllocatorBenchmarkTest
{
    @ParameterizedTest
    @ValueSource(strings = { "DISABLED", "SIMPLE" })
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyByteBufRowAllocatesAByteBufUnderTheSameLeakDetection(final String level) throws Exception
    {
        final Set<String> benchmarks = Arrays.stream(FbufsAllocatorBenchmark.class.getMethods())
            .filter((m) -> m.isAnnotationPresent(Benchmark.class)).map(Method::getName)
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("fbufPathAllocFree", "fbufByteBufAllocRelease", "nettyAdaptiveAllocRelease",
            "nettyPooledAllocRelease")), benchmarks);
        final Param param = FbufsAllocatorBenchmark.class.getField("leakDetection").getAnnotation(Param.class);
        assertEquals(Set.of("DISABLED", "SIMPLE"), Set.of(param.value()));
        final ResourceLeakDetector.Level saved = ResourceLeakDetector.getLevel();
        final FbufsAllocatorBenchmark benchmark = new FbufsAllocatorBenchmark();
        benchmark.leakDetection = level;
        benchmark.setUp();
        try
        {
            assertEquals(ResourceLeakDetector.Level.valueOf(level), ResourceLeakDetector.getLevel());
            for (int i = 0; i < 1000; i++)
            {
                assertEquals(FbufsAllocatorBenchmark.SIZE, benchmark.fbufByteBufAllocRelease());
                assertEquals(FbufsAllocatorBenchmark.SIZE, benchmark.nettyAdaptiveAllocRelease());
                assertEquals(FbufsAllocatorBenchmark.SIZE, benchmark.nettyPooledAllocRelease());
                benchmark.fbufPathAllocFree();
            }
        }
        finally
        {
            benchmark.tearDown();
            ResourceLeakDetector.setLevel(saved);
        }
    }
}
