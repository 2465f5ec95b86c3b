package io.barge.bench.core;

/**
 * JVM arguments every JMH fork gets through {@code @Fork(jvmArgsAppend = {...})}: Agrona 2.x on Java 17 needs
 * {@code jdk.internal.misc} opened, and benchmarks run with Agrona's bounds checks off (tests keep them on).
 */
public final class BenchJvm
{
    /** The flag that opens a package. */
    public static final String ADD_OPENS = "--add-opens";
    /** What Agrona needs opened. */
    public static final String MISC = "java.base/jdk.internal.misc=ALL-UNNAMED";
    /** Agrona's bounds checks off. */
    public static final String NO_BOUNDS_CHECKS = "-Dagrona.disable.bounds.checks=true";
    /** Room for the simulated physical memory. */
    public static final String DIRECT_MEMORY = "-XX:MaxDirectMemorySize=4g";

    private BenchJvm()
    {
    }
}
