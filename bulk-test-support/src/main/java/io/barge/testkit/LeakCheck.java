package io.barge.testkit;

import io.barge.core.Kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that a test returned everything it took: the kernel's free-frame count and any other probes (live
 * buffers, held references, posted slots) must be back at the values they had when the check was made.
 * <pre>{@code
 * final LeakCheck check = LeakCheck.of(kernel).probe("live fbufs", pool::liveCount);
 * ... attack, die, tear down ...
 * check.assertNothingLeaked();
 * }</pre>
 * Not thread safe: one test thread builds and asserts it.
 */
public final class LeakCheck
{
    private final List<Probe> probes = new ArrayList<>();

    private LeakCheck()
    {
    }

    /**
     * @param kernel the kernel whose free frames are snapshot now.
     * @return a check holding that snapshot as its first probe, "free frames".
     */
    public static LeakCheck of(final Kernel kernel)
    {
        Objects.requireNonNull(kernel, "kernel");
        return new LeakCheck().probe("free frames", kernel::freeFrames);
    }

    /**
     * Adds a value that must return to what it is now.
     *
     * @param name  what the value counts, for the failure message.
     * @param value read once now (the snapshot) and again by {@link #assertNothingLeaked()}.
     * @return this check, for chaining.
     */
    public LeakCheck probe(final String name, final LongSupplier value)
    {
        Objects.requireNonNull(name, "name");
        probes.add(new Probe(name, value, value.getAsLong()));
        return this;
    }

    /**
     * @return a line per probe whose value differs from its snapshot ({@code name: was S, now N (+/-D)}); empty
     * when nothing leaked.
     */
    public List<String> differences()
    {
        final List<String> differences = new ArrayList<>();
        for (final Probe probe : probes)
        {
            final long now = probe.value.getAsLong();
            if (now != probe.snapshot)
            {
                final long delta = now - probe.snapshot;
                differences.add(probe.name + ": was " + probe.snapshot + ", now " + now +
                    " (" + (delta > 0 ? "+" : "") + delta + ")");
            }
        }
        return differences;
    }

    /**
     * Fails the calling test if any probe differs from its snapshot, listing every difference.
     */
    public void assertNothingLeaked()
    {
        final List<String> differences = differences();
        if (!differences.isEmpty())
        {
            fail("leaked: " + String.join("; ", differences));
        }
    }

    private static final class Probe
    {
        final String name;
        final LongSupplier value;
        final long snapshot;

        Probe(final String name, final LongSupplier value, final long snapshot)
        {
            this.name = name;
            this.value = value;
            this.snapshot = snapshot;
        }
    }
}
