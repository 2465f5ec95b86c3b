package io.barge.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.charset.StandardCharsets;

/**
 * Layout of the key of every Barge counter (the 112-byte key of an Agrona counter's metadata record), so that a
 * reader with nothing but the counters' buffers, e.g. {@code barge stat} in another process, can name what it
 * reads: the counter's type id says what is counted ({@link CounterType}), the key says for whom.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     Domain Id (32)                   [KERNEL] |  -1 for a retired total
 *  +---------------------------------------------------------------+
 *  |                       Kind (32)                      [KERNEL] |  DOMAIN, RETIRED or CHANNEL
 *  +---------------------------------------------------------------+
 *  |                    Channel Id (32)                   [KERNEL] |  -1 unless CHANNEL
 *  +---------------------------------------------------------------+
 *  |                  Peer Domain Id (32)                 [KERNEL] |  -1 unless CHANNEL
 *  +---------------------------------------------------------------+
 *  |                    Name Length (32)                  [KERNEL] |  0..MAX_NAME_LENGTH
 *  +---------------------------------------------------------------+
 *  |              Name (ASCII, Name Length bytes)         [KERNEL] |  the domain's name
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * The domain id stays at offset 0 as it was when the key held nothing else. The kernel writes a key once, before
 * the counter is published (Agrona's allocation publishes the record's state with release after the key).
 */
public final class CounterKeyDescriptor
{
    /** Kind of a domain's own counter. */
    public static final int KIND_DOMAIN = 1;
    /** Kind of a retired total: the counts of every destroyed domain. */
    public static final int KIND_RETIRED = 2;
    /** Kind of a channel's counter: the domain is the end that counts, the peer the other end. */
    public static final int KIND_CHANNEL = 3;
    /**
     * Kind of a destroyed domain's counter in quarantine: its counts moved to the retired totals, it holds only counts
     * that raced the destroy, and is freed (its value added to the retired totals) soon. Summed in totals, not shown.
     */
    public static final int KIND_QUARANTINED = 4;

    /** Offset of the domain id. */
    public static final int DOMAIN_ID_OFFSET = 0;
    /** Offset of the kind. */
    public static final int KIND_OFFSET = 4;
    /** Offset of the channel id. */
    public static final int CHANNEL_ID_OFFSET = 8;
    /** Offset of the peer domain id. */
    public static final int PEER_DOMAIN_ID_OFFSET = 12;
    /** Offset of the name's length. */
    public static final int NAME_LENGTH_OFFSET = 16;
    /** Offset of the name's first byte. */
    public static final int NAME_OFFSET = 20;
    /** Longest name kept in a key; a longer one is cut. */
    public static final int MAX_NAME_LENGTH = CountersReader.MAX_KEY_LENGTH - NAME_OFFSET;

    private CounterKeyDescriptor()
    {
    }

    /**
     * Writes a key.
     *
     * @param key       at least {@link CountersReader#MAX_KEY_LENGTH} bytes.
     * @param kind      {@link #KIND_DOMAIN}, {@link #KIND_RETIRED}, {@link #KIND_CHANNEL} or {@link #KIND_QUARANTINED}.
     * @param domainId  the domain counted for, or -1.
     * @param channelId the channel, or -1.
     * @param peerId    the channel's other end, or -1.
     * @param name      the domain's (or channel's) name, ASCII; cut at {@link #MAX_NAME_LENGTH}.
     * @return the key's length.
     */
    public static int write(final MutableDirectBuffer key, final int kind, final int domainId, final int channelId,
        final int peerId, final String name)
    {
        key.putInt(DOMAIN_ID_OFFSET, domainId);
        key.putInt(KIND_OFFSET, kind);
        key.putInt(CHANNEL_ID_OFFSET, channelId);
        key.putInt(PEER_DOMAIN_ID_OFFSET, peerId);
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        final int length = Math.min(bytes.length, MAX_NAME_LENGTH);
        key.putInt(NAME_LENGTH_OFFSET, length);
        key.putBytes(NAME_OFFSET, bytes, 0, length);
        return NAME_OFFSET + length;
    }

    /**
     * @param key a counter's key.
     * @return its domain id.
     */
    public static int domainId(final DirectBuffer key)
    {
        return key.getInt(DOMAIN_ID_OFFSET);
    }

    /**
     * @param key a counter's key.
     * @return its kind.
     */
    public static int kind(final DirectBuffer key)
    {
        return key.getInt(KIND_OFFSET);
    }

    /**
     * @param key a counter's key.
     * @return its channel id, -1 unless a channel's.
     */
    public static int channelId(final DirectBuffer key)
    {
        return key.getInt(CHANNEL_ID_OFFSET);
    }

    /**
     * @param key a counter's key.
     * @return its peer domain id, -1 unless a channel's.
     */
    public static int peerDomainId(final DirectBuffer key)
    {
        return key.getInt(PEER_DOMAIN_ID_OFFSET);
    }

    /**
     * Reads the name, trusting nothing: a length outside {@code [0, MAX_NAME_LENGTH]} (a foreign or damaged file)
     * reads as an empty name.
     *
     * @param key a counter's key.
     * @return the name.
     */
    public static String name(final DirectBuffer key)
    {
        final int length = key.getInt(NAME_LENGTH_OFFSET);
        if (length < 0 || length > MAX_NAME_LENGTH || NAME_OFFSET + length > key.capacity())
        {
            return "";
        }
        return key.getStringWithoutLengthAscii(NAME_OFFSET, length);
    }
}
