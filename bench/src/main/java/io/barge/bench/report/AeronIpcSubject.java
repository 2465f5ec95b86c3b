package io.barge.bench.report;

import io.barge.bench.core.AeronIpc;

import java.nio.file.Path;

/**
 * Aeron IPC ({@link AeronIpc}: an embedded driver, an exclusive IPC publication, {@code tryClaim} for messages that
 * fit a frame and {@code offer} with a fragment assembler for larger ones) as a two-thread subject: the calling
 * thread publishes with the stamp in the first word, the consumer polls and touches every byte of each whole message
 * ({@link TwoThreadSubject#touch}). What a Java user picks today for IPC, at the same size, messages in flight and
 * placement as the transports.
 */
final class AeronIpcSubject extends ReferenceSubject
{
    /** The reference's name in the report. */
    static final String NAME = "aeron-ipc";

    private final AeronIpc aeron;

    /**
     * @param messageBytes message size, at least 8.
     * @param capacity     messages in flight at most (the transports' channel capacity at this size).
     */
    AeronIpcSubject(final int messageBytes, final int capacity)
    {
        super(NAME);
        this.aeron = new AeronIpc(messageBytes, capacity);
    }

    @Override
    boolean offer(final long firstWord)
    {
        return aeron.offer(firstWord);
    }

    @Override
    int poll()
    {
        return aeron.poll(touching);
    }

    @Override
    int messageBytes()
    {
        return aeron.messageBytes();
    }

    /**
     * @return the driver's directory, for tests (gone after {@link #close()}).
     */
    Path directory()
    {
        return aeron.directory();
    }

    @Override
    public void close()
    {
        super.close();
        aeron.close();
    }
}
