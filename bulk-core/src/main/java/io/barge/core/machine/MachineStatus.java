package io.barge.core.machine;

/**
 * What a machine file says of its kernel at one moment, judged by a reader: running (heartbeat fresh and process
 * alive), closed normally, stale (the kernel died without closing: its heartbeat is older than its timeout or
 * its process is gone), or damaged (the kernel found its file truncated under it).
 */
public final class MachineStatus
{
    /** The kernel's liveness. */
    public enum State
    {
        /** The kernel runs: its process is alive and its heartbeat younger than its timeout. */
        RUNNING,
        /** The kernel closed normally; the counters are its last. */
        CLOSED,
        /** The kernel died without closing. */
        STALE,
        /** The kernel found its file truncated under it: the counters are incomplete and it stopped beating. */
        DAMAGED
    }

    private final State state;
    private final long pid;
    private final long startMs;
    private final long heartbeatMs;
    private final long timeoutMs;
    private final long nowMs;
    private final boolean processAlive;

    MachineStatus(final int fileState, final long pid, final long startMs, final long heartbeatMs,
        final long timeoutMs, final long nowMs, final boolean processAlive)
    {
        this.pid = pid;
        this.startMs = startMs;
        this.heartbeatMs = heartbeatMs;
        this.timeoutMs = timeoutMs;
        this.nowMs = nowMs;
        this.processAlive = processAlive;
        if (fileState == MachineFileDescriptor.STATE_CLOSED)
        {
            state = State.CLOSED;
        }
        else if (fileState == MachineFileDescriptor.STATE_DAMAGED)
        {
            state = State.DAMAGED;
        }
        else if (fileState == MachineFileDescriptor.STATE_RUNNING && processAlive && nowMs - heartbeatMs <= timeoutMs)
        {
            state = State.RUNNING;
        }
        else
        {
            state = State.STALE;
        }
    }

    /**
     * @param pid a process id.
     * @return whether a process with that id is alive on this host.
     */
    static boolean isProcessAlive(final long pid)
    {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * @return the kernel's liveness.
     */
    public State state()
    {
        return state;
    }

    /**
     * @return whether the kernel runs.
     */
    public boolean isRunning()
    {
        return state == State.RUNNING;
    }

    /**
     * @return the kernel's process id.
     */
    public long pid()
    {
        return pid;
    }

    /**
     * @return when the kernel started, epoch milliseconds.
     */
    public long startMs()
    {
        return startMs;
    }

    /**
     * @return the kernel's last heartbeat, epoch milliseconds.
     */
    public long heartbeatMs()
    {
        return heartbeatMs;
    }

    /**
     * @return when this status was taken, epoch milliseconds.
     */
    public long nowMs()
    {
        return nowMs;
    }

    /**
     * @return milliseconds from the last heartbeat to the moment this status was taken.
     */
    public long heartbeatAgeMs()
    {
        return nowMs - heartbeatMs;
    }

    /**
     * @return how old a heartbeat may grow before the kernel counts as dead.
     */
    public long timeoutMs()
    {
        return timeoutMs;
    }

    /**
     * @return whether the kernel's process was alive when this status was taken.
     */
    public boolean processAlive()
    {
        return processAlive;
    }

    /**
     * @return one line for people, e.g. {@code "running: kernel pid 4242, heartbeat 120 ms ago"}.
     */
    public String describe()
    {
        switch (state)
        {
            case RUNNING:
                return "running: kernel pid " + pid + ", up " + (nowMs - startMs) / 1000 + " s, heartbeat " +
                    heartbeatAgeMs() + " ms ago";
            case CLOSED:
                return "closed: kernel pid " + pid + " closed normally, last heartbeat " + heartbeatAgeMs() +
                    " ms ago";
            case DAMAGED:
                return "damaged: kernel pid " + pid + " found its file truncated; its counters are incomplete";
            default:
                return "stale: kernel pid " + pid + (processAlive ? " is alive" : " is not alive") +
                    ", its heartbeat is " + heartbeatAgeMs() + " ms old (timeout " + timeoutMs + " ms)";
        }
    }

    @Override
    public String toString()
    {
        return describe();
    }
}
