package io.barge.bench.core;

/**
 * A one-way, single-producer single-consumer channel of fixed 56-byte messages, so that a UMP channel and an
 * Agrona ring buffer can be driven by the same loops. Each message carries a sequence word in its first 8 bytes;
 * the consumer checks the sequence, so a lost or reordered message is seen.
 */
public interface SpscLink extends AutoCloseable
{
    /** Payload of every message: one 64-byte cache line less an 8-byte header. */
    int PAYLOAD_LENGTH = 56;

    /**
     * @return the implementation's name, e.g. {@code agrona} or {@code ump}.
     */
    String name();

    /**
     * Producer thread: sends one 56-byte message whose first word is {@code word}.
     *
     * @param word the message's first word.
     * @return false if the ring is full (nothing sent).
     */
    boolean offer(long word);

    /**
     * Consumer thread: receives up to {@code limit} messages.
     *
     * @param limit most messages.
     * @return messages received.
     */
    int drain(int limit);

    /**
     * @return the first word of the last message received.
     */
    long lastWord();

    /**
     * @return messages whose word was not the previous word plus one (reset by {@link #expect(long)}).
     */
    long sequenceErrors();

    /**
     * Consumer thread: the next message should carry {@code word}.
     *
     * @param word the expected word.
     */
    void expect(long word);

    /**
     * Frees the link's memory.
     */
    @Override
    void close();
}
