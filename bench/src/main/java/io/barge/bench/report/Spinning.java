package io.barge.bench.report;

/**
 * Bounded busy-waiting for the measurement loops: spins politely and declares the other side stuck after
 * {@link #STUCK_NANOS}, so a broken transport fails the run instead of hanging it.
 */
final class Spinning
{
    /** How long a wait may last before the other side is declared stuck. */
    static final long STUCK_NANOS = 10_000_000_000L;

    private long deadline;
    private int spins;

    /**
     * Starts a new wait.
     *
     * @return this.
     */
    Spinning reset()
    {
        deadline = 0;
        spins = 0;
        return this;
    }

    /**
     * One more spin of the current wait; reads the clock only every 1024 spins.
     *
     * @param what what is awaited, for the error.
     * @throws IllegalStateException if the wait has lasted longer than {@link #STUCK_NANOS}.
     */
    void spin(final String what)
    {
        Thread.onSpinWait();
        if ((++spins & 1023) != 0)
        {
            return;
        }
        final long now = System.nanoTime();
        if (deadline == 0)
        {
            deadline = now + STUCK_NANOS;
        }
        else if (now > deadline)
        {
            throw new IllegalStateException("stuck: " + what + " for " + STUCK_NANOS / 1_000_000 + " ms");
        }
    }
}
