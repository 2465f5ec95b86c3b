package io.barge.testkit;

import io.barge.core.Domain;
import io.barge.core.Kernel;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Destroys a domain at a chosen moment: a test calls {@link #tick()} at the points where the domain could die
 * (in a handler, between a claim and its commit, inside a loop) and the n-th call destroys it through the kernel,
 * exactly as a crash would (listeners run, frames are unmapped and freed).
 * <pre>{@code
 * final KillSwitch kill = KillSwitch.destroyAfter(kernel, sender, 3);
 * while (...) { claim; kill.tick(); commit; }   // dies between the third claim and its commit
 * }</pre>
 * Safe to tick from several threads: exactly one call destroys the domain.
 */
public final class KillSwitch
{
    private final Kernel kernel;
    private final Domain domain;
    private final int n;
    private final AtomicInteger ticks = new AtomicInteger();

    private KillSwitch(final Kernel kernel, final Domain domain, final int n)
    {
        this.kernel = kernel;
        this.domain = domain;
        this.n = n;
    }

    /**
     * @param kernel the domain's kernel.
     * @param domain the domain to destroy.
     * @param n      which call of {@link #tick()} destroys it, at least 1.
     * @return a switch that has not ticked yet.
     */
    public static KillSwitch destroyAfter(final Kernel kernel, final Domain domain, final int n)
    {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(domain, "domain");
        if (n < 1)
        {
            throw new IllegalArgumentException("n=" + n + " must be at least 1");
        }
        if (domain.kernel() != kernel)
        {
            throw new IllegalArgumentException("domain " + domain + " belongs to another kernel");
        }
        return new KillSwitch(kernel, domain, n);
    }

    /**
     * Counts one call; the n-th destroys the domain (if it is still alive), later ones do nothing.
     *
     * @return true on the call that destroyed the domain.
     */
    public boolean tick()
    {
        if (ticks.incrementAndGet() != n || !domain.isAlive())
        {
            return false;
        }
        kernel.destroyDomain(domain);
        return true;
    }

    /**
     * @return how many times {@link #tick()} has been called.
     */
    public int ticks()
    {
        return ticks.get();
    }

    /**
     * @return whether the n-th tick has happened.
     */
    public boolean fired()
    {
        return ticks.get() >= n;
    }
}
