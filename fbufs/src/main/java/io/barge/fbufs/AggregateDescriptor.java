package io.barge.fbufs;

/**
 * Binary layouts of what crosses between domains in the fbuf transport: aggregate nodes stored inside fbufs
 * (integrated buffer management) and the notification payloads that carry a root or a piece list.
 * <p>
 * <b>Aggregate node</b>, 32 bytes, 32-byte aligned, inside an fbuf of the sender's path. A leaf names one piece of
 * data; a pair concatenates two sub-aggregates (left first). The graph is a DAG in a well-behaved sender; a
 * receiver trusts none of it (a volatile sender may rewrite nodes while the receiver walks them).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Node type [SENDER]                        |  0: LEAF=1, PAIR=2
 *  +---------------------------------------------------------------+
 *  |                       Length [SENDER]                         |  4: leaf bytes; pair total (a hint)
 *  +---------------------------------------------------------------+
 *  |            Data address (leaf) / left node (pair)             |  8
 *  |                           [SENDER]                            |
 *  +---------------------------------------------------------------+
 *  |                  Right node (pair) [SENDER]                   | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          Reserved                             | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 * <b>Root notification</b> (integrated mode, type {@link #ROOT_MESSAGE}): one word, the root node's address.
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Root node address [SENDER]                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 * <b>Piece-list notification</b> (non-integrated mode, type {@link #PIECES_MESSAGE}): up to
 * {@link #MAX_INLINE_PIECES} pieces, each as an offset from the region base and a length.
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                     Piece count [SENDER]                      |  0
 *  +---------------------------------------------------------------+
 *  |                     Total length [SENDER]                     |  4
 *  +---------------------------------------------------------------+
 *  |                   Piece 0 region offset [SENDER]              |  8
 *  +---------------------------------------------------------------+
 *  |                   Piece 0 length [SENDER]                     | 12
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 * </pre>
 * <b>End notification</b> (type {@link #END_MESSAGE}): the sender finished; the count of messages it sent before,
 * which the receiver checks against the messages it took.
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                  Messages sent before [SENDER]                |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class AggregateDescriptor
{
    /** Bytes per node. */
    public static final int NODE_LENGTH = 32;
    /** Node type of a leaf. */
    public static final int LEAF = 1;
    /** Node type of a pair. */
    public static final int PAIR = 2;
    /** Offset of the node type. */
    public static final int TYPE_OFFSET = 0;
    /** Offset of the length. */
    public static final int LENGTH_OFFSET = 4;
    /** Offset of the data address (leaf) or left child (pair). */
    public static final int LEFT_OFFSET = 8;
    /** Offset of the right child (pair). */
    public static final int RIGHT_OFFSET = 16;

    /** Notification type carrying a root node address. */
    public static final int ROOT_MESSAGE = 1;
    /** Notification type carrying an inline piece list. */
    public static final int PIECES_MESSAGE = 2;
    /** Notification type of the end of the stream. */
    public static final int END_MESSAGE = 3;
    /** Offset of the message count in an end notification. */
    public static final int END_COUNT_OFFSET = 0;
    /** Length of an end notification. */
    public static final int END_MESSAGE_LENGTH = 8;
    /** Offset of the root address in a root notification. */
    public static final int ROOT_ADDRESS_OFFSET = 0;
    /** Length of a root notification. */
    public static final int ROOT_MESSAGE_LENGTH = 8;
    /** Offset of the piece count in a piece-list notification. */
    public static final int PIECE_COUNT_OFFSET = 0;
    /** Offset of the total length in a piece-list notification. */
    public static final int TOTAL_LENGTH_OFFSET = 4;
    /** Offset of the first piece in a piece-list notification. */
    public static final int PIECES_OFFSET = 8;
    /** Bytes per inline piece. */
    public static final int PIECE_LENGTH = 8;
    /** Most pieces a piece-list notification carries (it must fit a 56-byte notification payload). */
    public static final int MAX_INLINE_PIECES = 6;

    private AggregateDescriptor()
    {
    }

    /**
     * @param pieceIndex index of a piece.
     * @return offset of its region offset field.
     */
    public static int pieceOffsetOffset(final int pieceIndex)
    {
        return PIECES_OFFSET + pieceIndex * PIECE_LENGTH;
    }

    /**
     * @param pieceIndex index of a piece.
     * @return offset of its length field.
     */
    public static int pieceLengthOffset(final int pieceIndex)
    {
        return PIECES_OFFSET + pieceIndex * PIECE_LENGTH + 4;
    }

    /**
     * @param pieceCount pieces.
     * @return length of a piece-list notification.
     */
    public static int piecesMessageLength(final int pieceCount)
    {
        return PIECES_OFFSET + pieceCount * PIECE_LENGTH;
    }

    /**
     * @param dataLength bytes of data in an fbuf that also holds {@code nodes} nodes after the data.
     * @param nodes      nodes to hold.
     * @return bytes the fbuf needs.
     */
    public static int withNodes(final int dataLength, final int nodes)
    {
        return nodeAreaOffset(dataLength) + nodes * NODE_LENGTH;
    }

    /**
     * @param dataLength bytes of data at the start of an fbuf.
     * @return offset of the first node after them (aligned to a node).
     */
    public static int nodeAreaOffset(final int dataLength)
    {
        return (dataLength + NODE_LENGTH - 1) & -NODE_LENGTH;
    }
}
