package io.barge.core.machine;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of the messages between client processes and the kernel: commands on the to-kernel ring (the Agrona
 * record's type id is the command type), responses and events on the to-domains broadcast buffer (its type id is
 * the response type). Every message starts with the same two fields, so that a client matches a response to its
 * request by correlation id and client id. Attempt is 0 when a command is first sent and counts its re-sends (the
 * kernel counts them; it is no part of what makes a command a duplicate).
 * <p>
 * Common header, {@link #HEADER_LENGTH} bytes:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Correlation Id (64)        [CLIENT|KERNEL] |  0, echoed in the response
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Client Id (32)            [CLIENT|KERNEL] |  8, 0 in CLIENT_ATTACH
 *  +---------------------------------------------------------------+
 *  |                      Attempt (32)               [CLIENT]       |  12, 0 in responses
 *  +---------------------------------------------------------------+
 * </pre>
 * Commands [CLIENT] (bodies after the header; each command has exactly this length, else it is refused; every
 * command but CLIENT_ATTACH is followed by its {@link #MAC_LENGTH}-byte MAC, not counted here):
 * <pre>
 *  CLIENT_ATTACH     | PID (64) | Public Key (256), X25519          |  56 bytes, no MAC; the answer gives the
 *                    |                                              |  client id and the kernel's public key
 *  CLIENT_KEEPALIVE  |                                              |  16 bytes; no answer
 *  CREATE_DOMAIN     | Name Length (32) | Name, ASCII, no padding   |  20 + name length, 1..MAX_NAME_LENGTH
 *  DESTROY_DOMAIN    | Domain Id (32)                               |  20 bytes
 *  CLIENT_DETACH     |                                              |  16 bytes; destroys the client's domains
 *  CREATE_CHANNEL    | Sender Domain (32) | Receiver Domain (32) | Max Message Length (32) | Capacity (32) |
 *                    | Kind (32), RING or RBUFS                     |  36 bytes
 *  CLOSE_CHANNEL     | Channel Id (32) | End (32), SENDER or RECEIVER |  24 bytes
 *  GRANT_OP          | Channel Id (32) | Op (32), MAP or COPY | Destination (32) | Segment Count (32) |
 *                    | Segments (16 * 64), XenChannelDescriptor's segment words |  160 bytes
 * </pre>
 * CREATE_CHANNEL's Kind word holds the kind in its low 16 bits and the kind's option in its high 16 bits (for
 * {@link ProcessChannelDescriptor#KIND_XEN} the grant mode of {@link XenChannelDescriptor}; 0 for the others).
 * GRANT_OP: a hypervisor operation for the back end (receiver) of a {@code KIND_XEN} channel, on the front end's
 * grants ({@link XenGrantOps}): MAP maps each segment's reference persistently (persistent mode), COPY grant-copies
 * the segments into the back end's copy buffer Destination (copy mode).
 * CREATE_CHANNEL: each domain must be owned by an attached client, the caller must own one of them; the kernel
 * allocates the channel's frames in its memory file ({@link ProcessChannelDescriptor}: a ring of records for
 * {@link ProcessChannelDescriptor#KIND_RING}, the data and control areas of {@link RbufsChannelDescriptor} for
 * {@code KIND_RBUFS}; capacity is the ring's or the data area's bytes) and records it in the channel table
 * ({@link ChannelTableDescriptor}). CLOSE_CHANNEL: the caller must own that end; once both ends are closed or
 * dead the frames go back to the kernel.
 * Responses and events [KERNEL]:
 * <pre>
 *  ON_ATTACHED        | Public Key (256), X25519, the kernel's      |  48 bytes; client id = the new client's
 *  ON_DOMAIN_CREATED  | Domain Id (32)                              |  20 bytes
 *  ON_DOMAIN_DESTROYED| Domain Id (32)                              |  20 bytes
 *  ON_DETACHED        | Domains Destroyed (32)                      |  20 bytes
 *  ON_ERROR           | Error Code (32) | Message Length (32) | Message, ASCII  |  24 + message length
 *  ON_CLIENT_TIMEOUT  | Domains Destroyed (32)                      |  20 bytes; correlation id NULL_ID (event)
 *  ON_CHANNEL_CREATED | Channel Id (32) | First Frame (32) | Frame Count (32) | Reserved (32) |  32 bytes
 *  ON_CHANNEL_CLOSED  | Channel Id (32)                             |  20 bytes
 *  ON_GRANT_DONE      | Value (32): references mapped or bytes copied |  20 bytes
 *  ON_COMMAND_RING_RESET | Resets (32)                              |  20 bytes; correlation and client id
 *                     |                                             |  NULL_ID (event)
 * </pre>
 * An error for a command too short to hold its header carries {@link #NULL_ID} for what it could not read; one for
 * a command whose MAC was not checked or failed carries client id NULL_ID (nobody's answer: no client may take it
 * for its own, whoever forged it).
 * <p>
 * <b>Client keys and command MACs.</b> A client id is a credential. CLIENT_ATTACH carries a fresh X25519 public key
 * of the client's (RFC 7748: the u-coordinate, 32 bytes little-endian), ON_ATTACHED one of the kernel's, made for
 * that client; each side derives the client's command key = the first 16 bytes of SHA-256("barge command mac v1"
 * || X25519 shared secret), read as two little-endian longs. A process that reads the whole file sees only the
 * public keys, so it cannot derive the key. Every later command is followed by
 * <pre>
 *  | MAC (64): SipHash-2-4 under the client's key of the command's bytes, with its type in place of its Attempt |
 * </pre>
 * (so a re-send, whose Attempt differs, carries the first send's MAC, and a MAC cannot be moved to another type).
 * The kernel checks the MAC before anything else of the command: a command with another client's id and a MAC not
 * made with that client's key is refused BAD_MAC, counted, and changes nothing. A copy of one of the client's own
 * earlier commands passes the MAC but not the correlation id check (below): replay is refused STALE_COMMAND, and a
 * copy of its last one is answered again, changing nothing. (A process that writes the file can still forge the
 * kernel's broadcasts, or damage the ring; that breaks other clients' answers, not the kernel's state.)
 * <p>
 * <b>Correlation ids, retries and duplicates.</b> A client numbers its commands itself, strictly increasing from its
 * CLIENT_ATTACH's (the ring's shared counter is memory any client can rewind). The kernel remembers, per client, the
 * correlation id and type of the last command it executed and that command's response (ON_ERROR included). When
 * the kernel repairs a damaged command ring it may have dropped queued commands, so it broadcasts
 * ON_COMMAND_RING_RESET (Resets: how many it has broadcast so far):
 * <pre>
 *   client                                  kernel
 *   CREATE_DOMAIN id=42 ------X  (ring damaged by another client; the record is dropped)
 *                         &lt;--------------- ON_COMMAND_RING_RESET (NULL_ID, NULL_ID, resets)
 *   CREATE_DOMAIN id=42 (the same bytes) ---&gt; executed: id 42 remembered with ON_DOMAIN_CREATED
 *                         &lt;--------------- ON_DOMAIN_CREATED id=42
 *   CREATE_DOMAIN id=42 (a second copy) ---&gt; id == last and same type: the remembered response again,
 *                         &lt;--------------- ON_DOMAIN_CREATED id=42    not executed (counted as a duplicate)
 *   DESTROY_DOMAIN id=40 ------------------&gt; id &lt; last (or == last with another type): ON_ERROR STALE_COMMAND
 * </pre>
 * A client waiting for an answer re-sends its command on each ON_COMMAND_RING_RESET, unchanged but for its Attempt, a
 * bounded number of times. A CLIENT_ATTACH is matched again by its pid and correlation id while that client has sent
 * nothing else.
 * Keepalives have a sequence of their own (their correlation ids, strictly increasing among keepalives): they come
 * from the client's keepalive thread, out of order with its commands, so they are neither compared with commands nor
 * remembered as one; an older keepalive is refused STALE_COMMAND (replayed, it would keep a dead client alive). Only
 * a new command or keepalive counts as a sign of life, not a duplicate. CLIENT_DETACH frees the client, so a retried
 * one is answered UNKNOWN_CLIENT (the detach happened).
 */
public final class ControlProtocolDescriptor
{
    /** Correlation or client id of nobody. */
    public static final int NULL_ID = -1;

    /** Command: a process attaches and is given a client id. */
    public static final int CLIENT_ATTACH = 1;
    /** Command: the client is alive. */
    public static final int CLIENT_KEEPALIVE = 2;
    /** Command: create a domain the client owns. */
    public static final int CREATE_DOMAIN = 3;
    /** Command: destroy one of the client's domains. */
    public static final int DESTROY_DOMAIN = 4;
    /** Command: the client leaves; its domains are destroyed. */
    public static final int CLIENT_DETACH = 5;
    /** Command: create a channel between two client domains. */
    public static final int CREATE_CHANNEL = 6;
    /** Command: close one end of a channel. */
    public static final int CLOSE_CHANNEL = 7;
    /** Command: a grant operation for the back end of a Xen channel. */
    public static final int GRANT_OP = 8;
    /** Highest command type. */
    public static final int LAST_COMMAND = GRANT_OP;

    /** Response to CLIENT_ATTACH. */
    public static final int ON_ATTACHED = 101;
    /** Response to CREATE_DOMAIN. */
    public static final int ON_DOMAIN_CREATED = 102;
    /** Response to DESTROY_DOMAIN. */
    public static final int ON_DOMAIN_DESTROYED = 103;
    /** Response to CLIENT_DETACH. */
    public static final int ON_DETACHED = 104;
    /** Response to any refused command. */
    public static final int ON_ERROR = 105;
    /** Event: a client missed its keepalives and was declared dead. */
    public static final int ON_CLIENT_TIMEOUT = 106;
    /** Response to CREATE_CHANNEL. */
    public static final int ON_CHANNEL_CREATED = 107;
    /** Response to CLOSE_CHANNEL. */
    public static final int ON_CHANNEL_CLOSED = 108;
    /** Event: the kernel repaired the command ring and may have dropped queued commands; waiting clients re-send. */
    public static final int ON_COMMAND_RING_RESET = 109;
    /** Response to GRANT_OP. */
    public static final int ON_GRANT_DONE = 110;

    /** Error: the command type is not one of this protocol's. */
    public static final int ERROR_UNKNOWN_COMMAND = 1;
    /** Error: the command is shorter or longer than its type's length. */
    public static final int ERROR_MALFORMED = 2;
    /** Error: a domain name is empty, too long, or not printable ASCII. */
    public static final int ERROR_BAD_NAME = 3;
    /** Error: no attached client has the command's client id. */
    public static final int ERROR_UNKNOWN_CLIENT = 4;
    /** Error: the domain is not one of the client's. */
    public static final int ERROR_NOT_OWNER = 5;
    /** Error: the client table is full. */
    public static final int ERROR_TOO_MANY_CLIENTS = 6;
    /** Error: the client owns {@link ClientTableDescriptor#MAX_DOMAINS_PER_CLIENT} domains already. */
    public static final int ERROR_TOO_MANY_DOMAINS = 7;
    /** Error: the kernel could not do it (e.g. out of domains). */
    public static final int ERROR_KERNEL = 8;
    /** Error: CLIENT_ATTACH with a client id other than 0, or a pid that is not positive. */
    public static final int ERROR_BAD_ATTACH = 9;
    /** Error: a domain of CREATE_CHANNEL is no attached client's, or both ends are one domain. */
    public static final int ERROR_UNKNOWN_DOMAIN = 10;
    /** Error: CREATE_CHANNEL's sizes break {@link ProcessChannelDescriptor#checkSizes} (or Rbufs' rules). */
    public static final int ERROR_BAD_SIZES = 11;
    /** Error: the channel table is full. */
    public static final int ERROR_TOO_MANY_CHANNELS = 12;
    /** Error: no open channel has the id, or that end is not open. */
    public static final int ERROR_UNKNOWN_CHANNEL = 13;
    /** Error: the kernel has too few free frames for the channel (or no memory file). */
    public static final int ERROR_NO_MEMORY = 14;
    /** Error: CREATE_CHANNEL's kind is neither RING nor RBUFS. */
    public static final int ERROR_BAD_KIND = 15;
    /**
     * Error: the correlation id is older than the client's last executed command's, or equal to it with another
     * command type: not a retry, and not a new command.
     */
    public static final int ERROR_STALE_COMMAND = 16;
    /** Error: the command's MAC is not its client's (forged by another process, or damaged); client id NULL_ID. */
    public static final int ERROR_BAD_MAC = 17;
    /** Error: a GRANT_OP names a reference not granted to the caller's domain, or a range outside its page. */
    public static final int ERROR_BAD_GRANT = 18;

    /** Offset of the correlation id. */
    public static final int CORRELATION_ID_OFFSET = 0;
    /** Offset of the client id. */
    public static final int CLIENT_ID_OFFSET = 8;
    /** Offset of a command's attempt: 0 first, then 1, 2, ... for each re-send. */
    public static final int ATTEMPT_OFFSET = 12;
    /** Bytes of the common header. */
    public static final int HEADER_LENGTH = 16;
    /** Offset of CLIENT_ATTACH's pid. */
    public static final int PID_OFFSET = HEADER_LENGTH;
    /** Bytes of an X25519 public key: its u-coordinate, little-endian. */
    public static final int PUBLIC_KEY_LENGTH = 32;
    /** Offset of CLIENT_ATTACH's public key. */
    public static final int ATTACH_PUBLIC_KEY_OFFSET = PID_OFFSET + Long.BYTES;
    /** Bytes of CLIENT_ATTACH (it carries no MAC). */
    public static final int ATTACH_LENGTH = ATTACH_PUBLIC_KEY_OFFSET + PUBLIC_KEY_LENGTH;
    /** Offset of ON_ATTACHED's public key (the kernel's). */
    public static final int ATTACHED_PUBLIC_KEY_OFFSET = HEADER_LENGTH;
    /** Bytes of ON_ATTACHED. */
    public static final int ATTACHED_LENGTH = ATTACHED_PUBLIC_KEY_OFFSET + PUBLIC_KEY_LENGTH;
    /** Bytes of the MAC after every command but CLIENT_ATTACH. */
    public static final int MAC_LENGTH = Long.BYTES;
    /** Offset of CREATE_DOMAIN's name length. */
    public static final int NAME_LENGTH_OFFSET = HEADER_LENGTH;
    /** Offset of CREATE_DOMAIN's name. */
    public static final int NAME_OFFSET = NAME_LENGTH_OFFSET + Integer.BYTES;
    /** Longest domain name a client may give. */
    public static final int MAX_NAME_LENGTH = 64;
    /** Offset of the domain id in DESTROY_DOMAIN, ON_DOMAIN_CREATED and ON_DOMAIN_DESTROYED. */
    public static final int DOMAIN_ID_OFFSET = HEADER_LENGTH;
    /** Offset of the count of destroyed domains in ON_DETACHED and ON_CLIENT_TIMEOUT. */
    public static final int DOMAINS_DESTROYED_OFFSET = HEADER_LENGTH;
    /** Offset of ON_COMMAND_RING_RESET's count of resets. */
    public static final int RESETS_OFFSET = HEADER_LENGTH;
    /** Offset of CREATE_CHANNEL's sender domain. */
    public static final int SENDER_DOMAIN_OFFSET = HEADER_LENGTH;
    /** Offset of CREATE_CHANNEL's receiver domain. */
    public static final int RECEIVER_DOMAIN_OFFSET = HEADER_LENGTH + 4;
    /** Offset of CREATE_CHANNEL's longest message. */
    public static final int MAX_MESSAGE_LENGTH_OFFSET = HEADER_LENGTH + 8;
    /** Offset of CREATE_CHANNEL's ring capacity. */
    public static final int CAPACITY_OFFSET = HEADER_LENGTH + 12;
    /** Offset of CREATE_CHANNEL's kind. */
    public static final int KIND_OFFSET = HEADER_LENGTH + 16;
    /** Bytes of CREATE_CHANNEL. */
    public static final int CREATE_CHANNEL_LENGTH = HEADER_LENGTH + 20;
    /** Bytes of ON_CHANNEL_CREATED. */
    public static final int CHANNEL_CREATED_LENGTH = HEADER_LENGTH + 16;
    /** Offset of the channel id in CLOSE_CHANNEL, ON_CHANNEL_CREATED and ON_CHANNEL_CLOSED. */
    public static final int CHANNEL_ID_OFFSET = HEADER_LENGTH;
    /** Offset of CLOSE_CHANNEL's end. */
    public static final int END_OFFSET = HEADER_LENGTH + 4;
    /** Offset of ON_CHANNEL_CREATED's first frame. */
    public static final int FIRST_FRAME_OFFSET = HEADER_LENGTH + 4;
    /** Offset of ON_CHANNEL_CREATED's frame count. */
    public static final int FRAME_COUNT_OFFSET = HEADER_LENGTH + 8;
    /** Bytes of CLOSE_CHANNEL. */
    public static final int CLOSE_CHANNEL_LENGTH = HEADER_LENGTH + 8;
    /** CLOSE_CHANNEL's end: the sender's. */
    public static final int END_SENDER = 1;
    /** CLOSE_CHANNEL's end: the receiver's. */
    public static final int END_RECEIVER = 2;
    /** Offset of a GRANT_OP's op. */
    public static final int GRANT_OP_CODE_OFFSET = HEADER_LENGTH + 4;
    /** Offset of a GRANT_OP's destination (COPY: the back end's copy buffer). */
    public static final int GRANT_DESTINATION_OFFSET = HEADER_LENGTH + 8;
    /** Offset of a GRANT_OP's segment count. */
    public static final int GRANT_SEGMENT_COUNT_OFFSET = HEADER_LENGTH + 12;
    /** Offset of a GRANT_OP's first segment word. */
    public static final int GRANT_SEGMENTS_OFFSET = HEADER_LENGTH + 16;
    /** Bytes of GRANT_OP. */
    public static final int GRANT_OP_LENGTH = GRANT_SEGMENTS_OFFSET + XenChannelDescriptor.MAX_SEGMENTS * Long.BYTES;
    /** GRANT_OP op: map persistently. */
    public static final int GRANT_MAP = 1;
    /** GRANT_OP op: grant-copy into the back end's copy buffer. */
    public static final int GRANT_COPY = 2;

    /** Bytes of a message with one int after the header. */
    public static final int ONE_INT_LENGTH = HEADER_LENGTH + Integer.BYTES;
    /** Offset of ON_ERROR's code. */
    public static final int ERROR_CODE_OFFSET = HEADER_LENGTH;
    /** Offset of ON_ERROR's message length. */
    public static final int ERROR_MESSAGE_LENGTH_OFFSET = ERROR_CODE_OFFSET + Integer.BYTES;
    /** Offset of ON_ERROR's message. */
    public static final int ERROR_MESSAGE_OFFSET = ERROR_MESSAGE_LENGTH_OFFSET + Integer.BYTES;
    /** Longest error message. */
    public static final int MAX_ERROR_MESSAGE_LENGTH = 256;
    /** Longest message either way: a private buffer of this size holds any valid one. */
    public static final int MAX_MESSAGE_LENGTH = ERROR_MESSAGE_OFFSET + MAX_ERROR_MESSAGE_LENGTH;

    private ControlProtocolDescriptor()
    {
    }

    /**
     * @param buffer        where to write.
     * @param correlationId the request's.
     * @param clientId      the client's.
     */
    public static void putHeader(final MutableDirectBuffer buffer, final long correlationId, final int clientId)
    {
        buffer.putLong(CORRELATION_ID_OFFSET, correlationId);
        buffer.putInt(CLIENT_ID_OFFSET, clientId);
        buffer.putInt(ATTEMPT_OFFSET, 0);
    }

    /**
     * @param buffer a message.
     * @return its correlation id.
     */
    public static long correlationId(final DirectBuffer buffer)
    {
        return buffer.getLong(CORRELATION_ID_OFFSET);
    }

    /**
     * @param buffer a command.
     * @return its attempt: 0 for the first, more for a re-send.
     */
    public static int attempt(final DirectBuffer buffer)
    {
        return buffer.getInt(ATTEMPT_OFFSET);
    }

    /**
     * @param buffer a message.
     * @return its client id.
     */
    public static int clientId(final DirectBuffer buffer)
    {
        return buffer.getInt(CLIENT_ID_OFFSET);
    }

    /**
     * @param type a command type.
     * @return its exact length (without the MAC), or -1 for CREATE_DOMAIN (which depends on the name) and unknown
     *         types.
     */
    public static int commandLength(final int type)
    {
        switch (type)
        {
            case CLIENT_ATTACH:
                return ATTACH_LENGTH;
            case CLIENT_KEEPALIVE:
            case CLIENT_DETACH:
                return HEADER_LENGTH;
            case DESTROY_DOMAIN:
                return ONE_INT_LENGTH;
            case CREATE_CHANNEL:
                return CREATE_CHANNEL_LENGTH;
            case CLOSE_CHANNEL:
                return CLOSE_CHANNEL_LENGTH;
            case GRANT_OP:
                return GRANT_OP_LENGTH;
            default:
                return -1;
        }
    }

    /**
     * @param type    a known command type.
     * @param command the command (a private copy).
     * @param length  its length without the MAC.
     * @return null if the command has its type's length, else what is wrong (a name's length is checked here too,
     *         since it decides the command's length; its bytes are checked by the command).
     */
    static String checkCommandLength(final int type, final DirectBuffer command, final int length)
    {
        if (type == CREATE_DOMAIN)
        {
            if (length < NAME_OFFSET)
            {
                return "CREATE_DOMAIN length=" + length + " is shorter than its " + NAME_OFFSET + "-byte fixed part";
            }
            final int nameLength = command.getInt(NAME_LENGTH_OFFSET);
            if (nameLength < 0)
            {
                return "CREATE_DOMAIN nameLength=" + nameLength + " is negative";
            }
            if (length != NAME_OFFSET + (long)nameLength)
            {
                return "CREATE_DOMAIN length=" + length + " must be " + (NAME_OFFSET + (long)nameLength) +
                    " for nameLength=" + nameLength;
            }
            return null;
        }
        final int expected = commandLength(type);
        return length == expected ? null : "command type " + type + " length=" + length + " must be " + expected;
    }

    /**
     * @param type a command type.
     * @return whether it is one of this protocol's.
     */
    public static boolean isCommand(final int type)
    {
        return type >= CLIENT_ATTACH && type <= LAST_COMMAND;
    }

    /**
     * @param b a byte of a name.
     * @return whether a domain name may hold it: printable ASCII.
     */
    public static boolean isNameByte(final byte b)
    {
        return b >= 0x20 && b <= 0x7E;
    }

    /**
     * @param code an error code.
     * @return its constant's name, e.g. {@code NOT_OWNER}, or {@code ERROR_<code>} for one not known here.
     */
    public static String errorName(final int code)
    {
        switch (code)
        {
            case ERROR_UNKNOWN_COMMAND:
                return "UNKNOWN_COMMAND";
            case ERROR_MALFORMED:
                return "MALFORMED";
            case ERROR_BAD_NAME:
                return "BAD_NAME";
            case ERROR_UNKNOWN_CLIENT:
                return "UNKNOWN_CLIENT";
            case ERROR_NOT_OWNER:
                return "NOT_OWNER";
            case ERROR_TOO_MANY_CLIENTS:
                return "TOO_MANY_CLIENTS";
            case ERROR_TOO_MANY_DOMAINS:
                return "TOO_MANY_DOMAINS";
            case ERROR_KERNEL:
                return "KERNEL";
            case ERROR_BAD_ATTACH:
                return "BAD_ATTACH";
            case ERROR_UNKNOWN_DOMAIN:
                return "UNKNOWN_DOMAIN";
            case ERROR_BAD_SIZES:
                return "BAD_SIZES";
            case ERROR_TOO_MANY_CHANNELS:
                return "TOO_MANY_CHANNELS";
            case ERROR_UNKNOWN_CHANNEL:
                return "UNKNOWN_CHANNEL";
            case ERROR_NO_MEMORY:
                return "NO_MEMORY";
            case ERROR_BAD_KIND:
                return "BAD_KIND";
            case ERROR_STALE_COMMAND:
                return "STALE_COMMAND";
            case ERROR_BAD_MAC:
                return "BAD_MAC";
            case ERROR_BAD_GRANT:
                return "BAD_GRANT";
            default:
                return "ERROR_" + code;
        }
    }
}
